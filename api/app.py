"""The FastAPI app factory. The composition root hands it a way to open the runtime (database, Redis, clock)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from api.middleware import RequestIdMiddleware
from api.problems import install_problem_handlers
from api.routes import bookings, catalog, conversations, dev_whatsapp, health, whatsapp, whatsapp_admin
from api.runtime import Runtime

DESCRIPTION = """Cazo: the AI receptionist and operations core for salons.

Errors are RFC 9457 problem details (`application/problem+json`). Every response carries `X-Request-ID`."""


def create_app(open_runtime: Callable[[], AbstractAsyncContextManager[Runtime]], *, version: str = "0.1.0",
               freeze_startup_heap: bool = False) -> FastAPI:
    """``freeze_startup_heap`` (for a server process, not for tests that make many apps in one process): once the
    runtime is open, what startup loaded (modules, the compiled graph, the engine) lives as long as the process, so
    the garbage collector is told to leave it out of its scans (``gc.freeze``). Its full collections otherwise
    walked all of it, pausing every request for 100-200 ms at a time under load."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime() as runtime:
            app.state.runtime = runtime
            if freeze_startup_heap:
                gc.collect()
                gc.freeze()
            async with dev_whatsapp.simulating(app, runtime):
                yield

    app = FastAPI(title="Cazo", version=version, description=DESCRIPTION, lifespan=lifespan)
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(bookings.router)
    app.include_router(conversations.router)
    app.include_router(whatsapp.router)
    app.include_router(whatsapp_admin.router)
    dev_whatsapp.install(app)  # /dev/whatsapp and /dev/graph: they answer in development only
    return app
