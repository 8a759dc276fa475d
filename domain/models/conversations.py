"""What the conversation leaves in the core: one row per customer turn (analytics), and handoffs to a person."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, HasId, TenantOwned, sql_in


class ConversationTurn(HasId, TenantOwned, Base):
    """One message handled: what it was understood as, by which tier, which flow answered, how long it took.

    ``message_id`` is the channel's id for the message (WhatsApp's ``wamid``); unique per tenant, so a webhook
    Meta delivers twice is recorded (and answered) once."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        Index("uq_conversation_turns_tenant_id_message_id", "tenant_id", "message_id", unique=True,
              postgresql_where=text("message_id IS NOT NULL")),
        Index("ix_conversation_turns_tenant_id_created_at", "tenant_id", "created_at"),
        CheckConstraint("tier IN ('L1', 'L2', 'L3', '-')", name="tier_known"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"),
                                                   index=True)
    thread_id: Mapped[str] = mapped_column(String(100))
    turn: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(128))
    intent: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(2))
    confidence: Mapped[float] = mapped_column(Float)
    settled: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    flow: Mapped[str] = mapped_column(String(30))
    # Where the turn left the conversation: the question now open (choose_slot, confirm_booking, ...), if any,
    # and what the turn achieved (booked, held, asked, answered, handed_over, ...).
    step: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    latency_ms: Mapped[float] = mapped_column(Float)
    # The large model's share of the turn (zero when L3 was not used).
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HandoffStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Handoff(HasId, TenantOwned, Base):
    """A conversation handed to a person: why, the recent transcript, and when staff handed it back."""

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(HandoffStatus)}", name="status_known"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
        # One open handoff per conversation at a time.
        Index("uq_handoffs_tenant_id_thread_id_open", "tenant_id", "thread_id", unique=True,
              postgresql_where=text("status = 'open'")),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"),
                                                   index=True)
    thread_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    status: Mapped[str] = mapped_column(String(10), default=HandoffStatus.OPEN.value, server_default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))


class FaqEntry(HasId, TenantOwned, Base):
    """One answer from the salon's own knowledge base (hours, address, parking, payment methods, policies).

    ``phrasings`` are the ways customers ask it (any language); ``answers`` maps a language (en, hinglish, hi) to
    the reply, English required. Each phrasing's sentence embedding lives in ``faq_phrasings``, filled in by the
    understanding layer (the model lives outside the domain) and redone when the phrasings change."""

    __tablename__ = "faq_entries"
    __table_args__ = (
        Index("uq_faq_entries_tenant_id_topic", "tenant_id", "topic", unique=True),
        CheckConstraint("answers ? 'en'", name="english_answer"),
    )

    topic: Mapped[str] = mapped_column(String(40))
    phrasings: Mapped[list[str]] = mapped_column(ARRAY(Text))
    answers: Mapped[dict[str, str]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class FaqPhrasing(HasId, TenantOwned, Base):
    """One way of asking an FAQ entry, with its embedding: the rows pgvector searches by cosine distance."""

    __tablename__ = "faq_phrasings"
    __table_args__ = (
        Index("ix_faq_phrasings_embedding", "embedding", postgresql_using="hnsw",
              postgresql_ops={"embedding": "vector_cosine_ops"}),
    )

    faq_entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                    ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    embedding: Mapped[list[float]] = mapped_column(Vector(384))
