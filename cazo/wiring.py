"""The composition root: builds engines, sessions, Redis and the clock from settings, and tears them down.

Nothing is created at import time. ``open_runtime(settings)`` is the one place that decides which database
(embedded or DATABASE_URL) and which Redis (REDIS_URL or in-process fakeredis) Cazo talks to, and it opens the
conversation checkpointer's connection pool and compiles the customer graph on it. Commands that never touch a
conversation (seeding, ``cazo nlu``) pass ``conversations=False`` and skip both (and LangGraph's import time).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cazo import __version__
from cazo.database import (
    check_app_role,
    code_schema_head,
    embedded_server,
    make_app_engine,
    owner_url,
)
from cazo.embedded_db import EmbeddedPostgres
from cazo.logging_config import configure_logging
from cazo.settings import Settings, load_settings
from domain.clock import Clock, SystemClock
from domain.services.whatsapp_intake import WebhookIntake
from domain.uow import make_session_factory

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph
    from psycopg_pool import AsyncConnectionPool

logger = logging.getLogger("cazo")


def make_redis(settings: Settings) -> Any:
    if settings.redis_url is not None:
        from redis.asyncio import Redis

        return Redis.from_url(settings.redis_url.get_secret_value(), decode_responses=True)
    import fakeredis

    return fakeredis.FakeAsyncRedis(decode_responses=True)


@dataclass(frozen=True)
class Conversations:
    """The customer conversation graph, compiled with the Postgres checkpointer, and that checkpointer's pool."""

    graph: CompiledStateGraph[Any, Any, Any, Any]
    pool: AsyncConnectionPool[Any]  # the checkpointer's dict-row connections


@asynccontextmanager
async def open_conversations(settings: Settings, embedded: EmbeddedPostgres | None) -> AsyncIterator[Conversations]:
    from psycopg_pool import AsyncConnectionPool

    from graphs.checkpoint import open_checkpointer
    from graphs.customer import build_customer_graph

    async with open_checkpointer(owner_url(settings, embedded), settings.database_app_role,
                                 max_size=settings.database_pool_size) as saver:
        assert isinstance(saver.conn, AsyncConnectionPool)  # open_checkpointer always hands the saver a pool
        yield Conversations(build_customer_graph(saver), saver.conn)


@dataclass
class CazoRuntime:
    """Everything a running Cazo process shares. Satisfies api.runtime.Runtime."""

    settings: Settings
    app_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Any
    schema_head: str | None = None
    clock: Clock = field(default_factory=SystemClock)
    embedded: EmbeddedPostgres | None = None
    conversations: Conversations | None = None
    whatsapp_intake: WebhookIntake = field(init=False)

    def __post_init__(self) -> None:
        self.whatsapp_intake = WebhookIntake(self.sessions, self.clock)

    @property
    def environment(self) -> str:
        return self.settings.environment.value

    @property
    def is_development(self) -> bool:
        return self.settings.is_development

    def _conversations(self) -> Conversations:
        if self.conversations is None:
            raise RuntimeError("this runtime was opened without conversations (open_runtime(conversations=False))")
        return self.conversations

    @property
    def customer_graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        return self._conversations().graph

    @property
    def checkpoint_pool(self) -> AsyncConnectionPool:
        return self._conversations().pool

    @property
    def whatsapp_verify_token(self) -> str | None:
        token = self.settings.whatsapp_verify_token
        return (token.get_secret_value() or None) if token is not None else None

    @property
    def whatsapp_app_secret(self) -> str | None:
        return self.settings.effective_whatsapp_app_secret

    async def check_ready(self) -> dict[str, dict[str, Any]]:
        checks: dict[str, dict[str, Any]] = {}
        try:
            async with self.app_engine.connect() as connection:
                current = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            checks["database"] = {"ok": current == self.schema_head, "schema": current,
                                  "expected_schema": self.schema_head, "embedded": self.embedded is not None}
            if current != self.schema_head:
                checks["database"]["error"] = "the schema is not current: run `cazo db migrate`"
        except DBAPIError as exc:
            missing = "alembic_version" in str(exc)
            checks["database"] = {"ok": False, "error": "migrations are not applied: run `cazo db migrate`"
                                  if missing else type(exc.orig).__name__ + ": " + str(exc.orig).splitlines()[0]}
        except Exception as exc:  # any failure means "not ready"; the reason is reported, not raised
            checks["database"] = {"ok": False, "error": type(exc).__name__ + ": " + str(exc).splitlines()[0]}
        try:
            await self.redis.ping()
            checks["redis"] = {"ok": True, "fake": self.settings.redis_url is None}
        except Exception as exc:
            checks["redis"] = {"ok": False, "error": type(exc).__name__ + ": " + str(exc)}
        return checks


@asynccontextmanager
async def open_runtime(settings: Settings, *, clock: Clock | None = None, conversations: bool = True,
                       worker: bool = False) -> AsyncIterator[CazoRuntime]:
    """Open the database (starting the embedded server when DATABASE_URL is unset), Redis and, unless told not
    to, the conversation checkpointer and the customer graph; close them on exit. ``worker`` also runs the
    WhatsApp worker as a background task for as long as the runtime is open (the API process in development).

    An embedded server this call started is stopped again on exit; one that was already running is left alone.
    """
    embedded: EmbeddedPostgres | None = None
    started = False
    if settings.database_url is None:
        embedded = embedded_server(settings)
        started = embedded.start()
        if started:
            logger.info("started the embedded PostgreSQL under %s", embedded.data_dir)
    url = owner_url(settings, embedded)
    app_engine = make_app_engine(url, app_role=settings.database_app_role, pool_size=settings.database_pool_size)
    redis = make_redis(settings)
    try:
        await check_app_role(app_engine)
        runtime = CazoRuntime(settings=settings, app_engine=app_engine, sessions=make_session_factory(app_engine),
                              redis=redis, schema_head=code_schema_head(), clock=clock or SystemClock(),
                              embedded=embedded)
        if not conversations:
            yield runtime
        else:
            async with open_conversations(settings, embedded) as opened:
                runtime.conversations = opened
                if not worker:
                    yield runtime
                else:
                    from cazo.worker import background_worker

                    async with background_worker(settings, runtime):
                        yield runtime
    finally:
        await app_engine.dispose()
        await redis.aclose()
        if embedded is not None and started:
            embedded.stop()
            logger.info("stopped the embedded PostgreSQL")


def build_app(settings: Settings) -> FastAPI:
    from api.app import create_app  # here, not at the top: commands that only open a runtime skip the routes
    from cazo.worker import worker_in_process, worker_settings

    in_process = worker_in_process(settings)
    if in_process:
        settings = worker_settings(settings)
    return create_app(lambda: open_runtime(settings, worker=in_process), version=__version__,
                      freeze_startup_heap=True)


def create_asgi_app() -> FastAPI:
    """Factory for ``uvicorn --factory cazo.wiring:create_asgi_app``."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return build_app(settings)
