"""The id that ties log lines to one request or one conversation turn, carried in a context variable."""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
