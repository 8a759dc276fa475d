"""Conversation state in PostgreSQL: it survives a new process, runs as the app role, and old threads go away."""

from __future__ import annotations

import operator
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypedDict

import psycopg
import pytest
from langgraph.graph import END, START, StateGraph

from graphs.checkpoint import (
    SCHEMA,
    compact_threads,
    drop_checkpoint_tables,
    forget_idle_threads,
    idle_threads,
    libpq_url,
    open_checkpointer,
    prepare_checkpoint_tables,
    thread_id,
)

APP_ROLE = "cazo_app"


class Counter(TypedDict):
    turns: Annotated[int, operator.add]
    said: Annotated[list[str], operator.add]


def build(checkpointer: object) -> object:
    graph = StateGraph(Counter)
    graph.add_node("turn", lambda state: {"turns": 1, "said": [f"turn {state['turns'] + 1}"]})
    graph.add_edge(START, "turn")
    graph.add_edge("turn", END)
    return graph.compile(checkpointer=checkpointer)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def prepared(database_url: str) -> str:
    await prepare_checkpoint_tables(database_url, APP_ROLE)
    await prepare_checkpoint_tables(database_url, APP_ROLE)  # a second run changes nothing
    return database_url


def new_thread() -> str:
    return thread_id(uuid.uuid4(), uuid.uuid4())


async def test_a_conversation_continues_in_a_new_process_with_nothing_lost(prepared: str) -> None:
    thread = new_thread()
    config = {"configurable": {"thread_id": thread}}
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        graph = build(saver)
        await graph.ainvoke({"turns": 0, "said": []}, config)  # type: ignore[attr-defined]
        await graph.ainvoke({"turns": 0, "said": []}, config)  # type: ignore[attr-defined]
    async with open_checkpointer(prepared, APP_ROLE) as saver:  # as if the process had crashed and restarted
        state = await build(saver).aget_state(config)  # type: ignore[attr-defined]
    assert state.values == {"turns": 2, "said": ["turn 1", "turn 2"]}


async def test_the_checkpointer_runs_as_the_application_role_in_its_own_schema(prepared: str) -> None:
    async with open_checkpointer(prepared, APP_ROLE) as saver, saver.conn.connection() as connection:  # type: ignore[union-attr]
        row = await (await connection.execute("SELECT current_user AS who, current_schema() AS schema")).fetchone()
    assert row == {"who": APP_ROLE, "schema": SCHEMA}
    async with await psycopg.AsyncConnection.connect(libpq_url(prepared), autocommit=True) as owner:
        tables = await (await owner.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (SCHEMA,))).fetchall()
    assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes"} <= {t[0] for t in tables}


async def test_idle_threads_are_forgotten_and_active_ones_kept(prepared: str) -> None:
    thread = new_thread()
    config = {"configurable": {"thread_id": thread}}
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        graph = build(saver)
        await graph.ainvoke({"turns": 0, "said": []}, config)  # type: ignore[attr-defined]
        month_ago, soon = datetime.now(UTC) - timedelta(days=30), datetime.now(UTC) + timedelta(minutes=1)
        assert thread not in await idle_threads(saver, month_ago)  # active: kept by a 30-day retention
        await forget_idle_threads(saver, month_ago)
        assert (await graph.aget_state(config)).values["turns"] == 1  # type: ignore[attr-defined]
        assert thread in await idle_threads(saver, soon)
        assert await forget_idle_threads(saver, soon) >= 1
        assert thread not in await idle_threads(saver, soon)
        state = await graph.aget_state(config)  # type: ignore[attr-defined]
    assert state.values == {}


async def test_compacting_keeps_only_the_latest_checkpoint_and_the_state(prepared: str) -> None:
    thread = new_thread()
    config = {"configurable": {"thread_id": thread}}
    async with open_checkpointer(prepared, APP_ROLE) as saver:
        graph = build(saver)
        for _ in range(3):
            await graph.ainvoke({"turns": 0, "said": []}, config)  # type: ignore[attr-defined]
        before = [c async for c in saver.alist(config)]
        await compact_threads(saver, [thread])
        after = [c async for c in saver.alist(config)]
        state = await graph.aget_state(config)  # type: ignore[attr-defined]
    assert len(before) > 3 and len(after) == 1
    assert state.values["turns"] == 3


async def test_dropping_the_checkpoint_tables_removes_their_schema(make_database: object) -> None:
    url = await make_database()  # type: ignore[operator]
    await prepare_checkpoint_tables(url, APP_ROLE)
    await drop_checkpoint_tables(url)
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as owner:
        found = await (await owner.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,))).fetchone()
    assert found is None
