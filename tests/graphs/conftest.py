"""Fixtures for whole conversations: the input guard, the checkpoint tables, and a customer chatting (``chat``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.guards import InputGuard
from agents.understand import Understander
from domain.clock import FixedClock
from domain.seeding import seed_demo_salon
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import UnitOfWork
from graphs.checkpoint import open_checkpointer, prepare_checkpoint_tables
from graphs.customer import build_customer_graph
from graphs.turn import TurnResult, customer_deps, handle_message, load_salon
from tests.graphs.chat_kit import APP_ROLE, PHONE, Chat


@pytest.fixture(scope="session")
def guard() -> InputGuard:
    return InputGuard()


@pytest.fixture(scope="module")
async def checkpoint_tables(database_url: str) -> str:
    await prepare_checkpoint_tables(database_url, APP_ROLE)
    return database_url


@pytest.fixture
async def chat(db: async_sessionmaker[AsyncSession], clock: FixedClock, checkpoint_tables: str,
               trained_router: Any, guard: InputGuard, uow_for: Callable[..., UnitOfWork]) -> AsyncIterator[Chat]:
    await seed_demo_salon(db, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    salon = await load_salon(db, clock, tenant_id, "bandra")
    understander = Understander(router=trained_router, guard=guard)
    deps = await customer_deps(db, clock, salon, understander, PHONE)
    holder: dict[str, Any] = {}

    async def start() -> None:
        holder["cm"] = open_checkpointer(checkpoint_tables, APP_ROLE)
        holder["saver"] = await holder["cm"].__aenter__()
        holder["graph"] = build_customer_graph(holder["saver"])

    async def restart() -> None:  # a new process: new pool, new graph, same database
        await holder["cm"].__aexit__(None, None, None)
        await start()

    async def say(text: str = "", payload: str | None = None, message_id: str | None = None,
                  kind: str = "text") -> TurnResult:
        return await handle_message(holder["graph"], holder["saver"].conn, deps, text, payload=payload,
                                    message_id=message_id, kind=kind)

    await start()
    try:
        yield Chat(say, deps, restart, checkpoint_tables, lambda: holder["graph"], lambda: holder["saver"].conn)
    finally:
        await holder["cm"].__aexit__(None, None, None)
