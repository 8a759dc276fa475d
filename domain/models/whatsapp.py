"""The WhatsApp channel's tables: which business number belongs to which branch, the messages customers sent
(each row is also the queue entry a worker takes), and the delivery receipts Meta sends for our own messages.

``whatsapp_numbers`` is read before the salon is known (a webhook names only Meta's ``phone_number_id``), so it
has a second, read-only policy for platform-scoped units of work, like ``tenants``. The other two tables are
plain tenant-owned tables. Meta delivers every webhook at least once; the unique constraints on the message id
(``wamid``) make a retry insert nothing.
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
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, HasId, TenantOwned, sql_in

PHONE_NUMBER_ID_CHECK = "~ '^[0-9]{1,32}$'"


class InboundKind(StrEnum):
    TEXT = "text"
    INTERACTIVE = "interactive"  # a reply button or a list row we sent: reply_id is the id we gave it
    BUTTON = "button"  # a template's quick-reply button: reply_id is its payload
    AUDIO = "audio"  # an audio file
    VOICE = "voice"  # a voice note recorded in WhatsApp
    IMAGE = "image"
    LOCATION = "location"
    REACTION = "reaction"  # an emoji on one of our messages (context_wamid); an empty text takes it back
    UNSUPPORTED = "unsupported"  # anything else (video, document, sticker, contacts, order, system, ...)


class InboundStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"  # not used by the worker (a queued row stays queued until its turn commits)
    DONE = "done"
    FAILED = "failed"  # given up after repeated failures: parked for staff, with last_error


class OutboundSource(StrEnum):
    REPLY = "reply"  # the conversation's answer to a customer's message
    NOTICE = "notice"  # a message Cazo started (customer_messages): reminder, confirmation, feedback request, ...


class OutboundStatus(StrEnum):
    QUEUED = "queued"  # waiting to be sent (next_attempt_at says when)
    SENDING = "sending"  # handed to Meta; the answer is not stored yet
    SENT = "sent"  # Meta accepted it (wamid known)
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"  # Meta refused it, or retries ran out: parked with the reason, for staff
    CANCELLED = "cancelled"  # not sent on purpose (opted out, expired, outside the window with no template)


# How far a sent message got: receipts arrive out of order, a later state never goes back to an earlier one.
OUTBOUND_PROGRESS = {OutboundStatus.SENT.value: 1, OutboundStatus.DELIVERED.value: 2, OutboundStatus.READ.value: 3}


class DeliveryState(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    PLAYED = "played"  # a voice note we sent was played
    FAILED = "failed"


class WhatsAppNumber(HasId, TenantOwned, Base):
    """A WhatsApp business number (Meta's ``phone_number_id``) and the branch whose customers write to it."""

    __tablename__ = "whatsapp_numbers"
    __table_args__ = (CheckConstraint(f"phone_number_id {PHONE_NUMBER_ID_CHECK}", name="phone_number_id_format"),)

    phone_number_id: Mapped[str] = mapped_column(String(32), unique=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    display_phone: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class InboundMessage(TenantOwned, Base):
    """One message a customer sent to a salon's number, as Meta delivered it, and where handling it stands.

    Storing the row is enqueueing it: a worker takes ``queued`` rows oldest first with FOR UPDATE SKIP LOCKED.
    The customer is known by phone (E.164) or, once they hide it behind a WhatsApp username, only by Meta's
    business-scoped user id; at least one of the two is always there. ``payload`` is Meta's message object as it
    came (coordinates, captions, what a reply refers to)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "wamid"),
        CheckConstraint(f"kind IN {sql_in(InboundKind)}", name="kind_known"),
        CheckConstraint(f"status IN {sql_in(InboundStatus)}", name="status_known"),
        CheckConstraint("customer_phone IS NOT NULL OR customer_user_id IS NOT NULL", name="customer_known"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index("ix_inbound_messages_queued", "id", postgresql_where=sql_text("status = 'queued'")),
        Index("ix_inbound_messages_customer_phone_sent_at", "tenant_id", "customer_phone", "sent_at"),
        Index("ix_inbound_messages_queued_lane", "tenant_id", func.coalesce(sql_text("customer_phone"),
                                                                            sql_text("customer_user_id")),
              "sent_at", postgresql_where=sql_text("status = 'queued'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    phone_number_id: Mapped[str] = mapped_column(String(32))
    wamid: Mapped[str] = mapped_column(String(128))
    customer_phone: Mapped[str | None] = mapped_column(String(16))
    customer_user_id: Mapped[str | None] = mapped_column(String(160))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)
    reply_id: Mapped[str | None] = mapped_column(String(256))
    reply_title: Mapped[str | None] = mapped_column(String(200))
    media_id: Mapped[str | None] = mapped_column(String(128))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    context_wamid: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default=InboundStatus.QUEUED.value, server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a failed attempt waits until then
    handled_as: Mapped[str | None] = mapped_column(String(128))  # the wamid of the turn that answered it


class DeliveryReceipt(TenantOwned, Base):
    """One delivery receipt for a message we sent (``wamid`` is ours): sent, delivered, read, played or failed.

    Receipts arrive out of order and more than once; each (message, state) is kept once, with Meta's time, so the
    latest state is the highest one reached, not the last one received."""

    __tablename__ = "message_statuses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "wamid", "status"),
        CheckConstraint(f"status IN {sql_in(DeliveryState)}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    phone_number_id: Mapped[str] = mapped_column(String(32))
    wamid: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(10))
    recipient_phone: Mapped[str | None] = mapped_column(String(16))
    recipient_user_id: Mapped[str | None] = mapped_column(String(160))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboundMessage(TenantOwned, Base):
    """One message to send a customer, and how far it got: the outbox between a turn (or a due notice) and Meta.

    A turn's replies are written here in the same transaction as the turn's record and the inbound message's
    ``done``, each with a ``dedupe_key`` made from the inbound message and the reply's position, so handling a
    message twice queues its replies once. ``body`` is the Cloud API message object for inside the 24-hour
    customer service window, ``template`` the approved template for outside it (notices only). ``wamid`` is
    Meta's id for the sent message; the status webhooks move ``status`` forward (sent, delivered, read) or to
    failed, whatever order they arrive in."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        UniqueConstraint("tenant_id", "wamid"),
        CheckConstraint(f"source IN {sql_in(OutboundSource)}", name="source_known"),
        CheckConstraint(f"status IN {sql_in(OutboundStatus)}", name="status_known"),
        CheckConstraint(f"phone_number_id {PHONE_NUMBER_ID_CHECK}", name="phone_number_id_format"),
        CheckConstraint("to_phone IS NOT NULL OR to_user_id IS NOT NULL", name="recipient_known"),
        CheckConstraint("status NOT IN ('sent', 'delivered', 'read') OR wamid IS NOT NULL", name="sent_has_wamid"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index("ix_outbound_messages_queued", "next_attempt_at", postgresql_where=sql_text("status = 'queued'")),
        Index("ix_outbound_messages_customer_pending", "tenant_id", "customer_id", "id",
              postgresql_where=sql_text("status IN ('queued', 'sending')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"),
                                                   index=True)
    phone_number_id: Mapped[str] = mapped_column(String(32))  # the business number it goes out from
    to_phone: Mapped[str | None] = mapped_column(String(16))
    to_user_id: Mapped[str | None] = mapped_column(String(160))
    source: Mapped[str] = mapped_column(String(10))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    inbound_wamid: Mapped[str | None] = mapped_column(String(128))  # a reply: the message (turn) it answers
    customer_message_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customer_messages.id", ondelete="CASCADE"), index=True)
    promotional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    template: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), default=OutboundStatus.QUEUED.value, server_default="queued")
    sent_as: Mapped[str | None] = mapped_column(String(10))  # "message" or "template"
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[int | None] = mapped_column(Integer)
    wamid: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
