"""Wiring for the WhatsApp worker: the understander, the Cloud API client and the worker loop, from settings.

Two ways to run it, same code:
- in the API process (``WHATSAPP_WORKER=inprocess``, or ``auto`` in development, as ``make run`` does): a
  background task started with the runtime and stopped before it closes;
- on its own (``cazo worker``), as many processes as the load needs: lanes (customers) are shared out by
  advisory locks, so two workers never answer the same customer at once.

In development with no ``WHATSAPP_TOKEN`` the client sends to the simulator's fake Graph API inside the API
process (``/dev/graph``), so the whole loop works without a Meta account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from cazo.nlu import make_agent, make_transcriber, make_understander
from cazo.settings import Settings
from graphs.whatsapp import WhatsAppWorker, WorkerConfig
from integrations.meta.client import WhatsAppClient
from integrations.meta.sender import CloudApiSender

if TYPE_CHECKING:
    from cazo.wiring import CazoRuntime

log = logging.getLogger(__name__)


def worker_in_process(settings: Settings) -> bool:
    """Whether the API process answers WhatsApp messages itself."""
    if settings.whatsapp_worker == "auto":
        return settings.environment.value == "development"
    return settings.whatsapp_worker == "inprocess"


def worker_settings(settings: Settings, concurrency: int | None = None) -> Settings:
    """``settings`` with a conversation pool big enough for the worker: each customer answered at once holds two
    connections (the conversation's lock and the checkpointer's reads and writes), and the pass one more for the
    lane locks. A pool smaller than that could leave every turn waiting for a connection another holds."""
    needed = 2 * (concurrency or settings.whatsapp_worker_concurrency) + 1
    if settings.database_pool_size >= needed:
        return settings
    return settings.model_copy(update={"database_pool_size": needed})


def make_client(settings: Settings) -> WhatsAppClient:
    """The Cloud API client: Meta's with WHATSAPP_TOKEN; in development without one, the simulator's fake."""
    graph = settings.whatsapp_graph()
    if graph is None:
        raise ValueError("the WhatsApp worker needs WHATSAPP_TOKEN (a system-user access token) to send replies")
    return WhatsAppClient(graph.token, graph_url=graph.url, version=graph.version)


@asynccontextmanager
async def open_worker(settings: Settings, runtime: CazoRuntime, *, concurrency: int | None = None,
                      client: WhatsAppClient | None = None) -> AsyncIterator[WhatsAppWorker]:
    """A worker on ``runtime`` (which must have conversations), with the client closed on exit."""
    understander = make_understander(settings)
    router = understander.router
    if router is not None and hasattr(router, "start"):
        await router.start()
    client = client or make_client(settings)
    config = WorkerConfig(concurrency=concurrency or settings.whatsapp_worker_concurrency,
                          burst=settings.whatsapp_burst_ms / 1000)
    worker = WhatsAppWorker(sessions=runtime.sessions, clock=runtime.clock, graph=runtime.customer_graph,
                            pool=runtime.checkpoint_pool, understander=understander, sender=CloudApiSender(client),
                            media=client, agent=make_agent(settings), transcriber=make_transcriber(settings),
                            config=config)
    if worker.concurrency < config.concurrency:
        log.warning("the conversation pool has %d connections: answering %d customers at once, not %d",
                    runtime.checkpoint_pool.max_size, worker.concurrency, config.concurrency)
    try:
        yield worker
    finally:
        await client.aclose()


@asynccontextmanager
async def background_worker(settings: Settings, runtime: CazoRuntime) -> AsyncIterator[WhatsAppWorker]:
    """The worker as a task of the current event loop (the API process), stopped and awaited on exit."""
    async with open_worker(settings, runtime) as worker:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop), name="whatsapp-worker")
        try:
            yield worker
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await asyncio.wait_for(task, timeout=15)
                except TimeoutError:
                    log.warning("whatsapp worker did not stop in 15 s; cancelled mid-turn (its messages stay "
                                "queued and are answered on the next start)")
