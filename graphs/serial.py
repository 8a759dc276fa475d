"""One message at a time per conversation, across processes: a PostgreSQL advisory lock per thread.

Open-source LangGraph has no guard against double-texting: two messages of one customer handled at once would both
read the same checkpoint and the later write would silently drop the other turn. WhatsApp delivers a customer's
quick "5 baje" / "actually 6" as two webhooks, often to two workers. ``one_turn_at_a_time`` holds a session-level
advisory lock keyed by the thread id for the length of a turn, so the second waits for the first and then sees
its state. If the process dies mid-turn its connection closes and PostgreSQL releases the lock: nothing stays
stuck. A turn that cannot get the lock within ``wait_s`` raises ``ConversationBusy`` (the caller retries the
webhook later; Meta redelivers).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import errors
from psycopg_pool import AsyncConnectionPool

# Advisory locks share one 64-bit key space per database; this namespace keeps ours apart from the booking
# engine's per-branch-day locks, which use the two-integer form.
_NAMESPACE = b"cazo:conversation:"


class ConversationBusy(RuntimeError):
    """Another turn of this conversation held the lock for longer than the wait allowed."""


def lock_key(thread_id: str) -> int:
    """A stable signed 64-bit key for a thread id (the same in every process)."""
    digest = hashlib.blake2b(_NAMESPACE + thread_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def one_turn_at_a_time(pool: AsyncConnectionPool, thread_id: str, *, wait_s: float = 30.0) \
        -> AsyncIterator[None]:
    """Hold the conversation's lock for the body of the ``async with``. The connection must be in autocommit."""
    key = lock_key(thread_id)
    async with pool.connection() as connection:
        try:
            await connection.execute(f"SET lock_timeout = '{int(wait_s * 1000)}ms'")
            await connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        except errors.LockNotAvailable as exc:
            raise ConversationBusy(f"conversation {thread_id} is busy with another message") from exc
        finally:
            await connection.execute("RESET lock_timeout")
        try:
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


class Lanes:
    """The lanes (one customer's queue of messages each) a worker takes during one pass, all on one connection.

    ``take`` tries a lane's advisory lock without waiting: True when this worker now holds it, False when another
    has it. Every lane of the pass shares the connection, so answering N customers at once costs one connection
    for the locks, not N (the turns themselves need the pool's). If the process dies, the connection closes and
    PostgreSQL releases every lane it held. Open with ``lanes(pool)``."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    @staticmethod
    def key(name: str) -> int:
        digest = hashlib.blake2b(b"cazo:lane:" + name.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    @asynccontextmanager
    async def take(self, name: str) -> AsyncIterator[bool]:
        key = self.key(name)
        cursor = await self._connection.execute("SELECT pg_try_advisory_lock(%s) AS held", (key,))
        row: Any = await cursor.fetchone()  # the checkpointer's connections return rows as dicts
        held = bool(row and row["held"])
        try:
            yield held
        finally:
            if held:
                await self._connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


@asynccontextmanager
async def lanes(pool: AsyncConnectionPool) -> AsyncIterator[Lanes]:
    """One connection from ``pool`` for a pass's lane locks; every lane still held is released on exit."""
    async with pool.connection() as connection:
        try:
            yield Lanes(connection)
        finally:
            await connection.execute("SELECT pg_advisory_unlock_all()")
