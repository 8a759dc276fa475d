"""The WhatsApp outbox: queue replies and due notices, take what is ready to send, record what Meta answered.

Nothing here talks to Meta. A sender (``MessageSender``, implemented in ``integrations.meta``) is called between
``claim_ready`` (rows marked ``sending`` and committed) and ``mark_sent`` / ``mark_failed`` (each in its own
transaction), so a crash mid-send leaves a ``sending`` row behind rather than a lost one; ``recover_stale`` parks
those with a reason for staff instead of sending them again, because the Cloud API has no idempotency key and the
customer may already have the message.

Rules applied when a message is about to go out (``decide``):
- inside the 24-hour customer service window (the customer's last message was less than 24 h ago) the message
  goes as it is; outside it only its approved template may go, and one with no template is cancelled;
- a customer who opted out (STOP) gets no notice at all, and a promotional one needs marketing consent;
- a notice past its ``expires_at`` is cancelled.
Replies keep their order per customer: a message waits while an earlier one to the same customer is unsent.

For staff: ``outbox`` lists the messages with how far each got, and ``requeue_outbound`` queues a failed or
cancelled one again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import (
    Booking,
    Customer,
    CustomerMessage,
    DeliveryReceipt,
    InboundMessage,
    MessageStatus,
    OutboundMessage,
    OutboundSource,
    OutboundStatus,
    WhatsAppNumber,
)
from domain.models.whatsapp import OUTBOUND_PROGRESS
from domain.services.notices import is_due
from domain.uow import UnitOfWork

SERVICE_WINDOW = timedelta(hours=24)
MAX_SEND_ATTEMPTS = 6
RETRY_BASE = timedelta(seconds=15)
RETRY_CAP = timedelta(minutes=30)
STALE_SENDING = timedelta(minutes=2)  # a send that long without an answer recorded: the sender died mid-send
MAX_LIST = 200  # rows a staff listing returns at most
MAX_ROW_ID = 2**63 - 1  # the queues' ids are bigint: a larger one names no row


class SendFailure(Exception):
    """A send Meta (or the way to Meta) refused. ``retryable``: the same message may go later (throttling, 5xx,
    no answer); ``window_closed``: outside the 24-hour window, only a template may go."""

    def __init__(self, reason: str, *, code: int | None = None, retryable: bool = False,
                 window_closed: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable
        self.window_closed = window_closed


class MessageSender(Protocol):
    """What the outbox needs from a WhatsApp client. Both return Meta's id (wamid) for the sent message and raise
    ``SendFailure`` when it was not sent."""

    async def send(self, phone_number_id: str, to: str, message: dict[str, Any]) -> str: ...

    async def send_template(self, phone_number_id: str, to: str, template: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class Recipient:
    customer_id: uuid.UUID
    phone_number_id: str
    phone: str | None
    user_id: str | None = None


@dataclass(frozen=True)
class Claimed:
    """An outbound message taken for sending (its row is ``sending``)."""

    id: int
    customer_id: uuid.UUID
    phone_number_id: str
    to: str
    source: str
    body: dict[str, Any]
    template: dict[str, Any] | None
    promotional: bool
    attempts: int
    customer_message_id: uuid.UUID | None


@dataclass(frozen=True)
class Decision:
    """What to do with a claimed message: send ``body`` or ``template``, or cancel it for ``reason``."""

    action: str  # "message", "template" or "cancel"
    reason: str = ""


# ---- queueing ---------------------------------------------------------------------------------------------------


async def queue_replies(uow: UnitOfWork, recipient: Recipient, inbound_wamid: str,
                        replies: Sequence[dict[str, Any]]) -> int:
    """Queue a turn's replies, in order. Keyed by the message they answer and their position, so queueing the same
    turn's replies again adds nothing. The number of rows added."""
    if not replies:
        return 0
    now = uow.clock.now()
    rows = [{"tenant_id": uow.require_tenant(), "customer_id": recipient.customer_id,
             "phone_number_id": recipient.phone_number_id, "to_phone": recipient.phone,
             "to_user_id": recipient.user_id, "source": OutboundSource.REPLY.value,
             "dedupe_key": f"reply:{inbound_wamid}:{position}"[:200], "inbound_wamid": inbound_wamid,
             "body": body, "next_attempt_at": now, "created_at": now} for position, body in enumerate(replies)]
    added = await uow.session.execute(insert(OutboundMessage).values(rows)
                                      .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
                                      .returning(OutboundMessage.id))
    return len(added.all())


def _sending_number(numbers: Sequence[tuple[str, uuid.UUID]], branch_id: uuid.UUID | None) -> str | None:
    """The business number a notice goes out from: the booking's branch's, else the salon's first."""
    for number, branch in numbers:
        if branch == branch_id:
            return number
    return numbers[0][0] if numbers else None


async def queue_due_notices(uow: UnitOfWork, limit: int = 200) -> int:
    """Hand the salon's due notices (``customer_messages``) to the outbox; the caller commits. Notices the salon
    cannot send (no WhatsApp number registered) are marked failed with the reason. The number handed over."""
    now = uow.clock.now()
    due = (await uow.session.execute(
        select(CustomerMessage, Customer.phone_e164, Booking.branch_id)
        .join(Customer, Customer.id == CustomerMessage.customer_id)
        .outerjoin(Booking, Booking.id == CustomerMessage.booking_id)
        .where(is_due(now)).order_by(CustomerMessage.due_at).limit(limit)
        .with_for_update(of=CustomerMessage, skip_locked=True))).all()
    if not due:
        return 0
    numbers = [(str(number), branch) for number, branch in await uow.session.execute(
        select(WhatsAppNumber.phone_number_id, WhatsAppNumber.branch_id)
        .order_by(WhatsAppNumber.created_at, WhatsAppNumber.phone_number_id))]
    handed = 0
    for notice, phone, branch_id in due:
        number = _sending_number(numbers, branch_id)
        if number is None:
            notice.status, notice.status_reason = MessageStatus.FAILED.value, "no WhatsApp number is registered"
            continue
        await uow.session.execute(insert(OutboundMessage).values(
            tenant_id=notice.tenant_id, customer_id=notice.customer_id, phone_number_id=number, to_phone=phone,
            source=OutboundSource.NOTICE.value, dedupe_key=f"notice:{notice.id}", customer_message_id=notice.id,
            promotional=notice.promotional, body=notice.body, template=notice.template, next_attempt_at=now,
            created_at=now).on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"]))
        notice.status, notice.attempts = MessageStatus.QUEUED.value, notice.attempts + 1
        handed += 1
    return handed


# ---- sending ----------------------------------------------------------------------------------------------------


async def claim_ready(uow: UnitOfWork, *, limit: int = 50, customer_id: uuid.UUID | None = None) -> list[Claimed]:
    """Take queued messages whose time has come and mark them ``sending``; the caller commits before sending.

    A message waits while an earlier one to the same customer is queued or being sent, so replies arrive in order
    even with several senders. ``customer_id`` narrows the take to one customer (a worker sending the replies of
    the turn it just ran)."""
    now = uow.clock.now()
    earlier = aliased(OutboundMessage)
    blocked = exists().where(earlier.tenant_id == OutboundMessage.tenant_id,
                             earlier.customer_id == OutboundMessage.customer_id, earlier.id < OutboundMessage.id,
                             earlier.status.in_([OutboundStatus.QUEUED.value, OutboundStatus.SENDING.value]))
    query = (select(OutboundMessage)
             .where(OutboundMessage.status == OutboundStatus.QUEUED.value, OutboundMessage.next_attempt_at <= now,
                    ~blocked)
             .order_by(OutboundMessage.id).limit(limit).with_for_update(skip_locked=True))
    if customer_id is not None:
        query = query.where(OutboundMessage.customer_id == customer_id)
    rows = (await uow.session.scalars(query)).all()
    claimed = []
    for row in rows:
        row.status, row.claimed_at, row.attempts = OutboundStatus.SENDING.value, now, row.attempts + 1
        claimed.append(Claimed(id=row.id, customer_id=row.customer_id, phone_number_id=row.phone_number_id,
                               to=row.to_phone or row.to_user_id or "", source=row.source, body=dict(row.body),
                               template=dict(row.template) if row.template else None, promotional=row.promotional,
                               attempts=row.attempts, customer_message_id=row.customer_message_id))
    return claimed


async def last_customer_message_at(uow: UnitOfWork, customer_id: uuid.UUID) -> datetime | None:
    """When the customer last wrote to the salon on WhatsApp (Meta's timestamp), or None."""
    latest: datetime | None = await uow.session.scalar(
        select(func.max(InboundMessage.sent_at)).join(Customer, Customer.phone_e164 == InboundMessage.customer_phone)
        .where(Customer.id == customer_id))
    return latest


async def decide(uow: UnitOfWork, message: Claimed, *, force_template: bool = False) -> Decision:
    """Whether ``message`` may go now, and as what (see the module docstring for the rules)."""
    now = uow.clock.now()
    if message.source == OutboundSource.NOTICE.value:
        customer = await uow.session.get(Customer, message.customer_id)
        if customer is None or customer.opted_out:
            return Decision("cancel", "the customer opted out (STOP)")
        if message.promotional and not customer.marketing_consent:
            return Decision("cancel", "promotional, and the customer has not agreed to marketing messages")
        if message.customer_message_id is not None:
            notice = await uow.session.get(CustomerMessage, message.customer_message_id)
            if notice is not None and notice.expires_at is not None and notice.expires_at <= now:
                return Decision("cancel", "expired before it could be sent")
    last = await last_customer_message_at(uow, message.customer_id)
    inside = last is not None and now - last < SERVICE_WINDOW
    if inside and not force_template:
        return Decision("message")
    if message.template:
        return Decision("template")
    return Decision("cancel", "outside the 24-hour customer service window, and it has no approved template")


async def _settle_notice(uow: UnitOfWork, message_id: uuid.UUID | None, status: MessageStatus, reason: str | None,
                         now: datetime) -> None:
    if message_id is None:
        return
    await uow.session.execute(update(CustomerMessage).where(CustomerMessage.id == message_id).values(
        status=status.value, status_reason=reason, sent_at=now if status is MessageStatus.SENT else None))


async def mark_sent(uow: UnitOfWork, message: Claimed, wamid: str, sent_as: str) -> None:
    """Meta accepted the message: store its wamid, and any receipts that arrived before we stored it."""
    now = uow.clock.now()
    await uow.session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id).values(
        status=OutboundStatus.SENT.value, wamid=wamid, sent_as=sent_as, sent_at=now, last_error=None,
        error_code=None))
    await _settle_notice(uow, message.customer_message_id, MessageStatus.SENT, None, now)
    early = (await uow.session.execute(select(DeliveryReceipt.status, DeliveryReceipt.occurred_at,
                                              DeliveryReceipt.error_code, DeliveryReceipt.error_title)
                                       .where(DeliveryReceipt.wamid == wamid))).all()
    await apply_receipts(uow, [(wamid, state, at, code, title) for state, at, code, title in early])


def retry_delay(attempts: int) -> timedelta:
    """Backoff before attempt ``attempts + 1``: 15 s, 30 s, 1 min, ... at most 30 min."""
    delay: timedelta = RETRY_BASE * (2 ** max(0, attempts - 1))
    return min(RETRY_CAP, delay)


async def mark_failed(uow: UnitOfWork, message: Claimed, failure: SendFailure) -> bool:
    """Record a refused send. A retryable failure with attempts left goes back to the queue after a backoff;
    anything else is parked as ``failed`` with the reason, for staff. True when it will be tried again."""
    now = uow.clock.now()
    again = failure.retryable and message.attempts < MAX_SEND_ATTEMPTS
    values: dict[str, Any] = {"last_error": failure.reason[:2000], "error_code": failure.code}
    if again:
        values |= {"status": OutboundStatus.QUEUED.value, "next_attempt_at": now + retry_delay(message.attempts)}
    else:
        reason = failure.reason if not failure.retryable else \
            f"gave up after {message.attempts} attempts: {failure.reason}"
        values |= {"status": OutboundStatus.FAILED.value, "failed_at": now, "last_error": reason[:2000]}
        await _settle_notice(uow, message.customer_message_id, MessageStatus.FAILED, reason[:2000], now)
    await uow.session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id).values(**values))
    return again


async def mark_cancelled(uow: UnitOfWork, message: Claimed, reason: str) -> None:
    now = uow.clock.now()
    await uow.session.execute(update(OutboundMessage).where(OutboundMessage.id == message.id).values(
        status=OutboundStatus.CANCELLED.value, last_error=reason))
    await _settle_notice(uow, message.customer_message_id, MessageStatus.CANCELLED, reason, now)


async def recover_stale(uow: UnitOfWork) -> int:
    """Park ``sending`` rows whose sender died before recording Meta's answer. They are not sent again: Meta may
    have delivered them, and the Cloud API cannot tell us. Staff see them with the reason."""
    now = uow.clock.now()
    result = await uow.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == OutboundStatus.SENDING.value,
               OutboundMessage.claimed_at < now - STALE_SENDING)
        .values(status=OutboundStatus.FAILED.value, failed_at=now,
                last_error="the sender stopped while sending; it may or may not have reached the customer, "
                           "so it was not sent again")
        .returning(OutboundMessage.customer_message_id))
    stopped = result.all()
    for (notice_id,) in stopped:
        await _settle_notice(uow, notice_id, MessageStatus.FAILED, "interrupted while sending", now)
    return len(stopped)


# ---- delivery receipts ------------------------------------------------------------------------------------------


async def apply_receipts(uow: UnitOfWork,
                         receipts: Iterable[tuple[str, str, datetime, int | None, str | None]]) -> None:
    """Move sent messages forward by their receipts, (wamid, state, occurred_at, error code, error title), in any
    order: a message only ever goes forward (sent < delivered < read), and a failure is kept with Meta's reason."""
    for wamid, state, occurred_at, code, title in receipts:
        if state == "failed":
            await uow.session.execute(update(OutboundMessage).where(
                OutboundMessage.wamid == wamid, OutboundMessage.status != OutboundStatus.READ.value).values(
                status=OutboundStatus.FAILED.value, failed_at=occurred_at, error_code=code,
                last_error=f"Meta could not deliver it: {title or 'no reason given'}"
                           + (f" (code {code})" if code is not None else "")))
            continue
        rank = OUTBOUND_PROGRESS.get("read" if state == "played" else state)
        if rank is None:
            continue
        lower = [status for status, value in OUTBOUND_PROGRESS.items() if value < rank]
        stamps: dict[str, Any] = {}
        if rank >= OUTBOUND_PROGRESS["delivered"]:
            stamps["delivered_at"] = func.coalesce(OutboundMessage.delivered_at, occurred_at)
        if rank >= OUTBOUND_PROGRESS["read"]:
            stamps["read_at"] = func.coalesce(OutboundMessage.read_at, occurred_at)
        target = "read" if rank == OUTBOUND_PROGRESS["read"] else state
        await uow.session.execute(update(OutboundMessage).where(
            OutboundMessage.wamid == wamid, OutboundMessage.status.in_(lower)).values(status=target, **stamps))


# ---- for staff --------------------------------------------------------------------------------------------------


async def outbox(uow: UnitOfWork, *, status: OutboundStatus | None = None, customer_id: uuid.UUID | None = None,
                 limit: int = 100) -> Sequence[OutboundMessage]:
    """The salon's outbound messages, newest first (failed ones carry the reason in ``last_error``)."""
    tenant_id = uow.require_tenant()
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}.", field="limit")
    query = (select(OutboundMessage).where(OutboundMessage.tenant_id == tenant_id)
             .order_by(OutboundMessage.id.desc()).limit(limit))
    if status is not None:
        query = query.where(OutboundMessage.status == status.value)
    if customer_id is not None:
        query = query.where(OutboundMessage.customer_id == customer_id)
    return (await uow.session.scalars(query)).all()


REQUEUEABLE = frozenset({OutboundStatus.FAILED.value, OutboundStatus.CANCELLED.value})
_NOT_REQUEUEABLE = {
    OutboundStatus.SENDING.value: "This message is being sent right now; it cannot be queued again.",
    OutboundStatus.SENT.value: "This message was already sent; it is not sent again.",
    OutboundStatus.DELIVERED.value: "This message was already delivered; it is not sent again.",
    OutboundStatus.READ.value: "This message was already read by the customer; it is not sent again.",
}


QueueRow = TypeVar("QueueRow", OutboundMessage, InboundMessage)


async def locked_row(uow: UnitOfWork, model: type[QueueRow], row_id: int, missing: str) -> QueueRow:
    """This salon's queue row ``row_id``, locked for the change the caller is making; NotFound otherwise (an id
    outside bigint's range names no row)."""
    row = None
    if 0 < row_id <= MAX_ROW_ID:
        row = await uow.session.scalar(select(model).where(model.tenant_id == uow.require_tenant(),
                                                           model.id == row_id).with_for_update())
    if row is None:
        raise NotFound(missing, id=row_id)
    return row


async def requeue_outbound(uow: UnitOfWork, message_id: int) -> tuple[OutboundMessage, bool]:
    """Put a failed or cancelled message back in the queue, due now, with a fresh run of attempts; the caller
    commits. (message, True) when this call queued it; (message, False) when it was already queued (nothing
    changed). A message on its way or sent is a Conflict: sending it again could reach the customer twice.

    The row is changed through the ORM, so the audit log keeps who queued it again and the row as it was (the
    reason it failed, Meta's error code and the old wamid); the row itself is cleared for the new try. The rules
    apply afresh when it is taken: outside the 24-hour window it goes as its template or is cancelled again, and
    a notice to a customer who opted out is cancelled again."""
    message = await locked_row(uow, OutboundMessage, message_id, "No such outbound message.")
    if message.status == OutboundStatus.QUEUED.value:
        return message, False
    if message.status not in REQUEUEABLE:
        raise Conflict(_NOT_REQUEUEABLE.get(message.status, "This message cannot be queued again."),
                       id=message_id, status=message.status)
    now = uow.clock.now()
    message.status, message.next_attempt_at, message.attempts = OutboundStatus.QUEUED.value, now, 0
    message.last_error = message.error_code = message.wamid = message.sent_as = None
    message.claimed_at = message.sent_at = message.delivered_at = message.read_at = message.failed_at = None
    if message.customer_message_id is not None:  # the notice is back with the outbox, as when it was handed over
        notice = await uow.session.get(CustomerMessage, message.customer_message_id)
        if notice is not None and notice.status != MessageStatus.QUEUED.value:
            notice.status, notice.status_reason, notice.sent_at = MessageStatus.QUEUED.value, None, None
    await uow.session.flush()
    return message, True
