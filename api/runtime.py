"""What the API needs from the composition root, as a protocol: the app never builds its own engine or client."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.services.whatsapp_intake import WebhookIntake


class Runtime(Protocol):
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    redis: Any

    @property
    def environment(self) -> str: ...

    @property
    def is_development(self) -> bool:
        """development or test: the WhatsApp simulator and the fake Graph API are served (under /dev)."""
        ...

    @property
    def customer_graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        """The customer conversation, compiled with the Postgres checkpointer."""
        ...

    @property
    def checkpoint_pool(self) -> AsyncConnectionPool:
        """The checkpointer's connections (the conversation lock ``graphs.serial`` takes one of them)."""
        ...

    @property
    def whatsapp_verify_token(self) -> str | None:
        """The token Meta echoes in the webhook verification handshake; None: not configured."""
        ...

    @property
    def whatsapp_intake(self) -> WebhookIntake:
        """This process's WhatsApp webhook intake (concurrent POSTs stored together, business numbers' routes
        remembered)."""
        ...

    @property
    def whatsapp_app_secret(self) -> str | None:
        """The Meta app secret that signs webhook bodies (X-Hub-Signature-256); None: not configured. In development
        a fixed development secret stands in for an unset one, so the simulator's webhooks verify."""
        ...

    async def check_ready(self) -> dict[str, dict[str, Any]]:
        """Each dependency's state: {"database": {"ok": True, ...}, "redis": {...}}."""
        ...
