"""What happened (the event outbox), what we will tell customers about it (customer messages), and what they
told us after a visit (feedback).

``domain_events`` is written in the same transaction as the change it describes (``UnitOfWork.commit``), so an
event exists exactly when its change does; the notices job reads it after commit and marks it handled.
``customer_messages`` is the queue of messages Cazo starts on its own (confirmations for bookings made elsewhere,
reminders, follow-ups, feedback requests, rebooking prompts), each with a key that makes scheduling it twice a no-op,
and the time it is due. The WhatsApp channel sends what is due.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, HasId, TenantOwned, sql_in


class EventRecord(TenantOwned, Base):
    """A domain event, stored with the change that caused it; ``handled_at`` is set once the notices job read it."""

    __tablename__ = "domain_events"
    __table_args__ = (
        Index("ix_domain_events_unhandled", "tenant_id", "id", postgresql_where=text("handled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MessageKind(StrEnum):
    BOOKING_CONFIRMATION = "booking_confirmation"  # a booking made at the desk or on the web
    BOOKING_CHANGED = "booking_changed"  # moved by the salon
    BOOKING_CANCELLED = "booking_cancelled"  # cancelled by the salon
    REMINDER_DAY_BEFORE = "reminder_day_before"
    REMINDER_SOON = "reminder_soon"
    ABANDONED_BOOKING = "abandoned_booking"  # stopped half-way through booking in the chat
    FEEDBACK_REQUEST = "feedback_request"
    REBOOK_PROMPT = "rebook_prompt"  # time for the next visit (promotional: needs marketing consent)


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"  # handed to the WhatsApp outbox (outbound_messages); sent or failed once Meta answers
    SENT = "sent"
    CANCELLED = "cancelled"  # no longer true (the booking moved or was cancelled) or no longer allowed
    FAILED = "failed"


PROMOTIONAL_KINDS = frozenset({MessageKind.REBOOK_PROMPT})


class CustomerMessage(HasId, TenantOwned, Base):
    """One message Cazo will send a customer on its own, when it is due.

    ``body`` is the Cloud API message object to send inside the 24-hour customer service window; ``template`` is
    the approved template (name, language, parameters) to send outside it, or null when the message is only worth
    sending inside the window (``expires_at`` then says when it stops being worth sending)."""

    __tablename__ = "customer_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        CheckConstraint(f"kind IN {sql_in(MessageKind)}", name="kind_known"),
        CheckConstraint(f"status IN {sql_in(MessageStatus)}", name="status_known"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
        Index("ix_customer_messages_due", "status", "due_at", postgresql_where=text("status = 'scheduled'")),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"),
                                                   index=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    promotional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    language: Mapped[str] = mapped_column(String(10))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    template: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.SCHEDULED.value,
                                        server_default="scheduled")
    status_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Feedback(HasId, TenantOwned, Base):
    """A customer's rating of one visit (1-5) and what they said about it. One per booking."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("tenant_id", "booking_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"),
                                                   index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
