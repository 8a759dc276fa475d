"""Conversation state that survives a crash: LangGraph's Postgres checkpointer on Cazo's own database.

- The checkpoint tables live in their own schema, ``langgraph``, created by ``prepare_checkpoint_tables`` as the
  database owner (``cazo db migrate`` runs it after the Alembic migrations). They hold every tenant's conversations,
  keyed by thread id ``<tenant id>:<customer id>``, so only Cazo's code reads them: they have no row-level security,
  and the application role gets plain table privileges on that schema alone.
- At run time the saver connects through a psycopg pool as the application role (``role`` startup option), with
  ``autocommit`` and ``dict_row`` as langgraph-checkpoint-postgres requires, and ``prepare_threshold=None`` so a
  transaction-pooling proxy in front of PostgreSQL cannot break prepared statements.
- Serialisation is strict: only the msgpack types LangGraph itself marks safe are read back, so a tampered
  checkpoint cannot make the process import and build arbitrary classes. Graph state therefore holds primitives.
- ``forget_idle_threads`` deletes conversations idle longer than a retention period; ``compact_threads`` keeps only
  the latest checkpoint of threads (each turn writes several rows; a busy salon would otherwise grow them fast).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

SCHEMA = "langgraph"


def libpq_url(url: str) -> str:
    """Any SQLAlchemy-style PostgreSQL URL (``postgresql+asyncpg://``) as a plain libpq one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def thread_id(tenant_id: uuid.UUID | str, customer_id: uuid.UUID | str) -> str:
    """One conversation per customer of a salon."""
    return f"{tenant_id}:{customer_id}"


def strict_serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=None)


async def prepare_checkpoint_tables(owner_url: str, app_role: str) -> None:
    """Create (or upgrade) the checkpoint tables in their schema and let the application role use them."""
    async with await AsyncConnection.connect(libpq_url(owner_url), autocommit=True, prepare_threshold=None,
                                             row_factory=dict_row) as connection:
        await connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        await connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(SCHEMA)))
        await AsyncPostgresSaver(connection, serde=strict_serde()).setup()
        role, schema = sql.Identifier(app_role), sql.Identifier(SCHEMA)
        await connection.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
        await connection.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}")
                                 .format(schema, role))


async def drop_checkpoint_tables(owner_url: str) -> None:
    """Remove the checkpoint schema and every conversation in it (``cazo db downgrade base``)."""
    async with await AsyncConnection.connect(libpq_url(owner_url), autocommit=True) as connection:
        await connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


@asynccontextmanager
async def open_checkpointer(url: str, app_role: str, *, max_size: int = 10) -> AsyncIterator[AsyncPostgresSaver]:
    """A saver over a connection pool that runs as ``app_role`` with the checkpoint schema on its search path."""
    options = f"-c role={app_role} -c search_path={SCHEMA}"
    pool = AsyncConnectionPool(
        libpq_url(url), min_size=1, max_size=max_size, open=False,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row, "options": options})
    await pool.open(wait=True)
    try:
        yield AsyncPostgresSaver(pool, serde=strict_serde())  # type: ignore[arg-type]
    finally:
        await pool.close()


async def idle_threads(saver: AsyncPostgresSaver, before: datetime) -> list[str]:
    """Threads whose newest checkpoint is older than ``before``."""
    query = ("SELECT thread_id FROM checkpoints GROUP BY thread_id "
             "HAVING max((checkpoint->>'ts')::timestamptz) < %s ORDER BY thread_id")
    target = saver.conn
    if isinstance(target, AsyncConnectionPool):
        async with target.connection() as connection:
            rows = await (await connection.execute(query, (before,))).fetchall()
    else:
        rows = await (await target.execute(query, (before,))).fetchall()
    return [str(row["thread_id"]) for row in rows]


async def forget_idle_threads(saver: AsyncPostgresSaver, before: datetime) -> int:
    """Delete every conversation idle since before ``before``; returns how many."""
    threads = await idle_threads(saver, before)
    for thread in threads:
        await saver.adelete_thread(thread)
    return len(threads)


async def compact_threads(saver: AsyncPostgresSaver, threads: Sequence[str]) -> None:
    """Keep only the latest checkpoint of each thread (enough to resume; history is not kept)."""
    if threads:
        await saver.aprune(list(threads), strategy="keep_latest")
