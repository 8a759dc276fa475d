"""What a turn needs besides its state: the salon, the customer, the understanding pipeline, the database.

Passed to the graph as LangGraph's run context (never stored in the checkpoint), and turned into the trusted
``ToolContext`` every tool call uses: who the customer is comes from here, never from a model.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.escalation import ToolAgent
from agents.faq import FaqSearch
from agents.salon import SalonContext
from agents.understand import Understander
from agents.voice import Transcriber
from domain.clock import Clock
from domain.services.snapshot import SalonSnapshot
from domain.uow import Actor
from tools.context import ToolContext


@dataclass(frozen=True)
class TurnDeps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    understander: Understander
    salon: SalonContext
    snapshot: SalonSnapshot
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str | None = None
    customer_language: str | None = None  # as stored; a turn in another language updates it
    thread_id: str = field(default="")
    faq: FaqSearch | None = None  # the salon's knowledge base, searched by meaning (needs the embedding model)
    agent: ToolAgent | None = None  # L3: the tool-calling large model, when one is configured
    transcriber: Transcriber | None = None  # voice notes to text, when a transcription server is configured

    def tool_context(self) -> ToolContext:
        return ToolContext(sessions=self.sessions, clock=self.clock, tenant_id=self.tenant_id,
                           actor=Actor("customer", str(self.customer_id)), role="customer",
                           branch_id=self.branch_id, customer_id=self.customer_id, source="whatsapp")

    def idempotency_key(self, *parts: object) -> str:
        """A short, stable key for one change in this conversation (the same on a re-run of the same step)."""
        digest = hashlib.blake2b("|".join([self.thread_id, *map(str, parts)]).encode(), digest_size=16)
        return f"chat:{digest.hexdigest()}"

    def service_name(self, service_id: str) -> str:
        return next((name for sid, name, _ in self.snapshot.services if sid == service_id), "service")

    @property
    def branch_name(self) -> str:
        return next((b.name for b in self.snapshot.branches if b.id == str(self.branch_id)), self.snapshot.name)
