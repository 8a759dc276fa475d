"""The event outbox and the customer message queue: read unhandled events, schedule and withdraw messages.

Scheduling is idempotent: each message has a ``dedupe_key`` (unique per salon) built from what it is about
("reminder_day_before:<booking>:<start>"), so handling an event twice, or two workers handling it at once,
schedules one message. Withdrawing marks scheduled messages cancelled with the reason; sent ones stay as they were.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.dialects.postgresql import insert

from domain.errors import InvalidInput
from domain.models import CustomerMessage, EventRecord, MessageKind, MessageStatus
from domain.models.notices import PROMOTIONAL_KINDS
from domain.uow import UnitOfWork


async def unhandled_events(uow: UnitOfWork, limit: int = 200) -> Sequence[EventRecord]:
    """The salon's events not yet handled, oldest first, locked so a second worker skips them."""
    return (await uow.session.scalars(
        select(EventRecord).where(EventRecord.handled_at.is_(None)).order_by(EventRecord.id).limit(limit)
        .with_for_update(skip_locked=True))).all()


async def mark_handled(uow: UnitOfWork, events: Iterable[EventRecord]) -> None:
    ids = [record.id for record in events]
    if ids:
        await uow.session.execute(update(EventRecord).where(EventRecord.id.in_(ids))
                                  .values(handled_at=uow.clock.now()))


@dataclass(frozen=True)
class Notice:
    """A message to schedule. ``body`` is a Cloud API message object; ``template`` the approved template for
    outside the 24-hour window ({"name", "language", "params"}), or None when it is only sent inside it."""

    customer_id: uuid.UUID
    kind: MessageKind
    dedupe_key: str
    language: str
    body: dict[str, Any]
    due_at: datetime
    booking_id: uuid.UUID | None = None
    template: dict[str, Any] | None = None
    expires_at: datetime | None = None


async def schedule(uow: UnitOfWork, notice: Notice) -> bool:
    """Queue a message; False when one with the same key was already queued (nothing changes)."""
    if not notice.dedupe_key or len(notice.dedupe_key) > 200:
        raise InvalidInput("A message needs a dedupe key of 1 to 200 characters.")
    if notice.expires_at is not None and notice.expires_at <= notice.due_at:
        raise InvalidInput("A message cannot expire before it is due.")
    created = await uow.session.execute(insert(CustomerMessage).values(
        id=uuid.uuid4(), tenant_id=uow.require_tenant(), customer_id=notice.customer_id, booking_id=notice.booking_id,
        kind=notice.kind.value, dedupe_key=notice.dedupe_key, promotional=notice.kind in PROMOTIONAL_KINDS,
        language=notice.language, body=notice.body, template=notice.template, due_at=notice.due_at,
        expires_at=notice.expires_at, status=MessageStatus.SCHEDULED.value,
    ).on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"]).returning(CustomerMessage.id))
    return created.scalar_one_or_none() is not None


async def withdraw(uow: UnitOfWork, kinds: Iterable[MessageKind], reason: str, *,
                   booking_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None) -> int:
    """Cancel scheduled messages of these kinds about a booking (a moved booking's reminders) or to a customer
    (a rebooking prompt once they have booked). Sent messages stay as they were."""
    if (booking_id is None) == (customer_id is None):
        raise InvalidInput("Withdraw the messages of one booking or of one customer.")
    about = CustomerMessage.booking_id == booking_id if booking_id else CustomerMessage.customer_id == customer_id
    result = await uow.session.execute(
        update(CustomerMessage)
        .where(about, CustomerMessage.status == MessageStatus.SCHEDULED.value,
               CustomerMessage.kind.in_([kind.value for kind in kinds]))
        .values(status=MessageStatus.CANCELLED.value, status_reason=reason)
        .returning(CustomerMessage.id))
    return len(result.all())


def is_due(now: datetime) -> ColumnElement[bool]:
    """A scheduled message whose time has come."""
    return and_(CustomerMessage.status == MessageStatus.SCHEDULED.value, CustomerMessage.due_at <= now)


async def due_messages(uow: UnitOfWork, now: datetime, limit: int = 100) -> Sequence[CustomerMessage]:
    """Scheduled messages whose time has come, oldest first, locked so two senders never take the same one."""
    return (await uow.session.scalars(
        select(CustomerMessage)
        .where(is_due(now))
        .order_by(CustomerMessage.due_at).limit(limit).with_for_update(skip_locked=True))).all()


async def customer_messages(uow: UnitOfWork, customer_id: uuid.UUID | None = None,
                            status: MessageStatus | None = None, limit: int = 100) -> Sequence[CustomerMessage]:
    """Queued and past messages, soonest due first (for staff and the command line)."""
    query = select(CustomerMessage).order_by(CustomerMessage.due_at, CustomerMessage.kind).limit(limit)
    if customer_id is not None:
        query = query.where(CustomerMessage.customer_id == customer_id)
    if status is not None:
        query = query.where(CustomerMessage.status == status.value)
    return (await uow.session.scalars(query)).all()
