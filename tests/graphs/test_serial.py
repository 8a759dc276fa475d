"""One turn at a time per conversation: the second message waits for the first, other customers do not wait."""

from __future__ import annotations

import asyncio
import time
import uuid

import psycopg
import pytest

from graphs.checkpoint import libpq_url, open_checkpointer, prepare_checkpoint_tables, thread_id
from graphs.serial import ConversationBusy, lock_key, one_turn_at_a_time

APP_ROLE = "cazo_app"


@pytest.fixture(scope="module")
async def prepared(database_url: str) -> str:
    await prepare_checkpoint_tables(database_url, APP_ROLE)
    return database_url


async def turn(pool: object, thread: str, log: list[tuple[str, str, float]], name: str, hold_s: float) -> None:
    async with one_turn_at_a_time(pool, thread):  # type: ignore[arg-type]
        log.append((name, "start", time.monotonic()))
        await asyncio.sleep(hold_s)
        log.append((name, "end", time.monotonic()))


def spans(log: list[tuple[str, str, float]]) -> dict[str, tuple[float, float]]:
    starts = {name: at for name, kind, at in log if kind == "start"}
    return {name: (starts[name], at) for name, kind, at in log if kind == "end"}


async def test_two_messages_of_one_customer_are_handled_one_after_the_other(prepared: str) -> None:
    thread = thread_id(uuid.uuid4(), uuid.uuid4())
    log: list[tuple[str, str, float]] = []
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        await asyncio.gather(turn(saver.conn, thread, log, "first", 0.3), turn(saver.conn, thread, log, "second", 0.3))
    (a_start, a_end), (b_start, b_end) = sorted(spans(log).values())
    assert b_start >= a_end  # no overlap


async def test_different_customers_are_not_held_up(prepared: str) -> None:
    log: list[tuple[str, str, float]] = []
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        await asyncio.gather(turn(saver.conn, thread_id(uuid.uuid4(), "a"), log, "a", 0.3),
                             turn(saver.conn, thread_id(uuid.uuid4(), "b"), log, "b", 0.3))
    (a_start, a_end), (b_start, b_end) = sorted(spans(log).values())
    assert b_start < a_end  # they ran together


async def test_a_conversation_held_too_long_is_reported_busy(prepared: str) -> None:
    thread = thread_id(uuid.uuid4(), uuid.uuid4())
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        async with one_turn_at_a_time(saver.conn, thread):  # type: ignore[arg-type]
            with pytest.raises(ConversationBusy, match="busy"):
                async with one_turn_at_a_time(saver.conn, thread, wait_s=0.2):  # type: ignore[arg-type]
                    pytest.fail("entered a conversation another turn holds")
        async with one_turn_at_a_time(saver.conn, thread, wait_s=0.2):  # type: ignore[arg-type]
            pass  # free again once the first turn ended


async def test_a_process_that_dies_mid_turn_releases_the_conversation(prepared: str) -> None:
    thread = thread_id(uuid.uuid4(), uuid.uuid4())
    crashed = await psycopg.AsyncConnection.connect(libpq_url(prepared), autocommit=True)
    await crashed.execute("SELECT pg_advisory_lock(%s)", (lock_key(thread),))
    await crashed.close()  # the process is gone; its session with it
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        async with one_turn_at_a_time(saver.conn, thread, wait_s=2):  # type: ignore[arg-type]
            pass


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("t:1") == lock_key("t:1") != lock_key("t:2")
    assert -(2**63) <= lock_key("t:1") < 2**63
