"""Shared fixtures: one real PostgreSQL database per test run, migrated once, emptied between tests.

With DATABASE_URL set, the run creates (and afterwards drops) a fresh database on that server; otherwise it
starts a throw-away embedded PostgreSQL with durability switched off for speed.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cazo.database import make_app_engine, make_owner_engine, migrate
from cazo.embedded_db import EPHEMERAL_SETTINGS, EmbeddedPostgres
from domain.clock import FixedClock
from domain.uow import Actor, UnitOfWork, make_session_factory

APP_ROLE = "cazo_app"
NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 12:00 in Mumbai


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL to a server where the run may create databases (the 'postgres' maintenance database)."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield with_database(external, "postgres")
        return
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data", extra_settings=EPHEMERAL_SETTINGS)
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.destroy()


@pytest.fixture(scope="session")
async def make_database(server_url: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """``await make_database()`` creates an empty database; all are dropped when the run ends."""
    created: list[str] = []

    async def create() -> str:
        name = f"cazo_test_{uuid.uuid4().hex[:10]}"
        connection = await asyncpg.connect(_plain(server_url))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        created.append(name)
        return with_database(server_url, name)

    yield create
    # Each drop on its own connection, and a failed drop is a warning, not an error: on the throw-away embedded
    # server everything is deleted with its folder anyway, and a leftover database on an external server is
    # named cazo_test_* and harmless.
    for name in created:
        try:
            connection = await asyncpg.connect(_plain(server_url))
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            warnings.warn(f"could not drop test database {name}: {exc!r}", stacklevel=1)


@pytest.fixture(scope="session")
async def database_url(make_database: Callable[[], Awaitable[str]]) -> str:
    """The run's main database, migrated to head."""
    url = await make_database()
    engine = make_owner_engine(url)
    try:
        await migrate(engine, app_role=APP_ROLE)
    finally:
        await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def owner_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_owner_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def app_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_app_engine(database_url, app_role=APP_ROLE, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(app_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(app_engine)


@pytest.fixture
async def db(owner_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) \
        -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The session factory, with every table emptied after the test (tenants cascade to everything)."""
    yield sessions
    async with owner_engine.begin() as connection:
        await connection.exec_driver_sql("TRUNCATE tenants CASCADE")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def uow_for(db: async_sessionmaker[AsyncSession], clock: FixedClock) -> Callable[..., UnitOfWork]:
    """``async with uow_for(tenant_id) as uow`` opens a unit of work for one tenant (None: no tenant)."""

    def factory(tenant_id: uuid.UUID | None, *, platform: bool = False, actor: Actor | None = None) -> UnitOfWork:
        return UnitOfWork(db, tenant_id=tenant_id, actor=actor or Actor("staff", "tester"), clock=clock,
                          platform=platform)

    return factory


# ---- the understanding layer: one trained embedding router per run ---------------------------------------------


@pytest.fixture(scope="session")
def nlu_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR whose cache/ holds the trained router, shared by in-process tests and `cazo nlu` subprocesses."""
    return tmp_path_factory.mktemp("nlu-state")


@pytest.fixture(scope="session")
def embedder() -> Any:
    from serving.embeddings import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def trained_router(embedder: Any, nlu_data_dir: Path) -> Any:
    from agents.routers.embedding import EmbeddingRouter
    from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars

    router = EmbeddingRouter(embedder, load_exemplars(), cache_dir=nlu_data_dir / "cache", shipped=ROUTER_WEIGHTS)
    router.warm()
    return router


# ---- a fake OpenAI-compatible server (the real wire format, on a local port) ------------------------------------


@pytest.fixture(scope="session")
def server() -> Iterator[Any]:
    from tests.serving.fake_openai import FakeOpenAI

    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(server: Any) -> Any:
    """The fake server with no scripted replies and no recorded requests."""
    server.reset()
    return server
