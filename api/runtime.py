"""What the API needs from the composition root, as a protocol: the app never builds its own engine or client."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock


class Runtime(Protocol):
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    redis: Any

    @property
    def environment(self) -> str: ...

    async def check_ready(self) -> dict[str, dict[str, Any]]:
        """Each dependency's state: {"database": {"ok": True, ...}, "redis": {...}}."""
        ...
