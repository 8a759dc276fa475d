"""WhatsApp intake: which salon a business number belongs to, and storing what Meta delivered for it.

A webhook POST names only Meta's ``phone_number_id``. ``take_in`` looks the numbers up in a platform-scoped unit of
work (the ``whatsapp_numbers`` directory), then stores each salon's messages and receipts in one transaction of
that salon's own, with ``ON CONFLICT DO NOTHING`` on Meta's message id: Meta delivers at least once, and a
redelivery stores nothing and is counted as a duplicate. A stored message is queued work (``status`` queued); the
worker that answers it is not part of this module.

A process that takes in many webhooks keeps a ``NumberDirectory``: the routes it has found, used without the
platform lookup and confirmed instead inside the salon's own transaction, which stores nothing under a route the
salon no longer has.

The records handed in (``ReceivedMessage``, ``ReceivedStatus``) are already checked and normalised by the
channel adapter (``integrations.meta.webhook``); this module trusts their shape, not their routing.

For staff: the salon's business numbers (``add_number``, ``list_numbers``), and the customer messages the worker
parked after repeated failures (``inbox``, ``requeue_inbound``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.errors import Conflict, InvalidInput
from domain.models import Branch, Tenant
from domain.models.whatsapp import (
    DeliveryReceipt,
    DeliveryState,
    InboundKind,
    InboundMessage,
    InboundStatus,
    WhatsAppNumber,
)
from domain.phone import normalise_phone
from domain.services.outbound import MAX_LIST, apply_receipts, locked_row
from domain.uow import Actor, UnitOfWork

INTAKE_ACTOR = Actor.system("whatsapp-webhook")


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One message a customer sent. ``customer_phone`` is E.164; a customer who hides their number behind a
    WhatsApp username is known only by ``customer_user_id`` (Meta's business-scoped user id)."""

    wamid: str
    kind: InboundKind
    sent_at: datetime
    customer_phone: str | None
    customer_user_id: str | None = None
    contact_name: str | None = None
    text: str | None = None
    reply_id: str | None = None
    reply_title: str | None = None
    media_id: str | None = None
    mime_type: str | None = None
    context_wamid: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReceivedStatus:
    """One delivery receipt for a message we sent (``wamid`` is ours)."""

    wamid: str
    state: DeliveryState
    occurred_at: datetime
    recipient_phone: str | None = None
    recipient_user_id: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NumberDelivery:
    """What one webhook change carried for one business number."""

    phone_number_id: str
    messages: tuple[ReceivedMessage, ...] = ()
    statuses: tuple[ReceivedStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class NumberRoute:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID


@dataclass
class IntakeResult:
    stored: int = 0  # messages and receipts inserted
    duplicates: int = 0  # already stored by an earlier delivery
    unrouted: int = 0  # messages and receipts for a number no salon has registered
    unknown_numbers: list[str] = field(default_factory=list)


# ---- the directory of business numbers --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterNumber:
    phone_number_id: str
    branch_id: uuid.UUID
    display_phone: str | None = None


@dataclass(frozen=True)
class NumberRegistration:
    number: WhatsAppNumber
    created: bool  # False: the number was already routed to this branch, and nothing changed


async def register_number(cmd: RegisterNumber, uow: UnitOfWork) -> WhatsAppNumber:
    """Route a business number to one of this salon's branches. Registering the same number for the same branch
    again changes nothing; a number another branch or salon has is a Conflict."""
    return (await add_number(cmd, uow)).number


async def add_number(cmd: RegisterNumber, uow: UnitOfWork) -> NumberRegistration:
    """``register_number``, also saying whether this call added the number."""
    tenant_id = uow.require_tenant()
    number_id = cmd.phone_number_id.strip()
    if not number_id.isdigit() or len(number_id) > 32:
        raise InvalidInput("A phone_number_id is the number Meta shows in WhatsApp Manager: digits only.")
    await uow.get(Branch, cmd.branch_id, "branch")
    display = normalise_phone(cmd.display_phone) if cmd.display_phone else None
    # Another salon's row is invisible here (row-level security): it shows up only as the unique violation.
    taken = Conflict("This WhatsApp number is already routed to another branch or salon.",
                     phone_number_id=number_id)
    found = await uow.session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == number_id))
    if found is not None:
        if found.branch_id != cmd.branch_id:
            raise taken
        return NumberRegistration(found, created=False)
    number = WhatsAppNumber(tenant_id=tenant_id, phone_number_id=number_id, branch_id=cmd.branch_id,
                            display_phone=display)
    try:
        async with uow.session.begin_nested():
            uow.session.add(number)
    except IntegrityError:
        raise taken from None
    return NumberRegistration(number, created=True)


async def list_numbers(uow: UnitOfWork) -> list[tuple[WhatsAppNumber, Branch]]:
    """The salon's business numbers, each with the branch it answers for, oldest first."""
    tenant_id = uow.require_tenant()
    rows = await uow.session.execute(
        select(WhatsAppNumber, Branch).join(Branch, Branch.id == WhatsAppNumber.branch_id)
        .where(WhatsAppNumber.tenant_id == tenant_id)
        .order_by(WhatsAppNumber.created_at, WhatsAppNumber.phone_number_id))
    return [(number, branch) for number, branch in rows]


async def route_numbers(uow: UnitOfWork, phone_number_ids: Iterable[str]) -> dict[str, NumberRoute]:
    """The salon and branch of each registered number among ``phone_number_ids``. Needs a platform-scoped unit of
    work: the webhook does not say which salon it is for."""
    wanted = sorted(set(phone_number_ids))
    if not wanted:
        return {}
    rows = await uow.session.execute(
        select(WhatsAppNumber.phone_number_id, WhatsAppNumber.tenant_id, WhatsAppNumber.branch_id)
        .where(WhatsAppNumber.phone_number_id.in_(wanted)))
    return {number: NumberRoute(tenant_id, branch_id) for number, tenant_id, branch_id in rows}


@dataclass(frozen=True, slots=True)
class BusinessNumber:
    """A registered business number, with the salon and branch its customers reach."""

    phone_number_id: str
    display_phone: str | None
    tenant_id: uuid.UUID
    salon: str
    branch: str


DIRECTORY_ACTOR = Actor.system("whatsapp-directory")


async def business_numbers(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> list[BusinessNumber]:
    """Every registered business number across salons, by salon and branch name (for development tools: the
    WhatsApp simulator lists them). The directory and salon names are read platform-scoped, each salon's branch
    names in that salon's own scope."""
    async with UnitOfWork(sessions, tenant_id=None, actor=DIRECTORY_ACTOR, clock=clock, platform=True) as uow:
        rows = (await uow.session.execute(
            select(WhatsAppNumber.phone_number_id, WhatsAppNumber.display_phone, WhatsAppNumber.tenant_id,
                   WhatsAppNumber.branch_id, Tenant.name)
            .join(Tenant, Tenant.id == WhatsAppNumber.tenant_id)
            .order_by(Tenant.name, WhatsAppNumber.phone_number_id))).all()
    branches: dict[uuid.UUID, str] = {}
    for tenant_id in dict.fromkeys(row.tenant_id for row in rows):
        async with UnitOfWork(sessions, tenant_id=tenant_id, actor=DIRECTORY_ACTOR, clock=clock) as uow:
            branches.update({branch_id: name for branch_id, name in await uow.session.execute(
                select(Branch.id, Branch.name))})
    return [BusinessNumber(row.phone_number_id, row.display_phone, row.tenant_id, row.name,
                           branches.get(row.branch_id, "")) for row in rows]


# ---- storing a delivery -----------------------------------------------------------------------------------------


def _message_row(tenant_id: uuid.UUID, route: NumberRoute, number: str, message: ReceivedMessage,
                 now: datetime) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "branch_id": route.branch_id, "phone_number_id": number, "wamid": message.wamid,
            "customer_phone": message.customer_phone, "customer_user_id": message.customer_user_id,
            "contact_name": message.contact_name, "kind": message.kind.value, "text": message.text,
            "reply_id": message.reply_id, "reply_title": message.reply_title, "media_id": message.media_id,
            "mime_type": message.mime_type, "context_wamid": message.context_wamid, "payload": dict(message.payload),
            "sent_at": message.sent_at, "received_at": now}


def _status_row(tenant_id: uuid.UUID, number: str, status: ReceivedStatus, now: datetime) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "phone_number_id": number, "wamid": status.wamid, "status": status.state.value,
            "recipient_phone": status.recipient_phone, "recipient_user_id": status.recipient_user_id,
            "occurred_at": status.occurred_at, "error_code": status.error_code, "error_title": status.error_title,
            "payload": dict(status.payload), "received_at": now}


def _insert_new_statement(table: Any, keys: Sequence[str]) -> Any:
    return (insert(table).on_conflict_do_nothing(index_elements=[table.c[key] for key in keys])
            .returning(*(table.c[key] for key in keys[1:])))


# Built once, as plain table inserts: the rows go as parameters of one cached statement, which SQLAlchemy sends as
# one multi-row INSERT ("insertmanyvalues"), without the ORM's bulk-insert bookkeeping for rows it never loads.
_NEW_MESSAGES = _insert_new_statement(InboundMessage.__table__, ("tenant_id", "wamid"))
_NEW_RECEIPTS = _insert_new_statement(DeliveryReceipt.__table__, ("tenant_id", "wamid", "status"))


async def _insert_new(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Insert the rows not stored yet (every row with the same keys); the keys after the tenant of those that were
    new."""
    if not rows:
        return set()
    return {tuple(row) for row in await session.execute(statement, list(rows))}


Routed = tuple[int, NumberRoute, NumberDelivery]  # a delivery, its route, and which of the POSTs it came in


async def _store_routed(uow: UnitOfWork, routed: Sequence[Routed]) -> dict[int, tuple[int, int]]:
    """Store this salon's messages (queued) and receipts; (stored, duplicates) for each POST. A message or receipt
    met twice, in one POST or in two, is stored once and counted a duplicate after that. The caller commits."""
    tenant_id = uow.require_tenant()
    now = uow.clock.now()
    duplicates: dict[int, int] = {index: 0 for index, _, _ in routed}
    messages: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    statuses: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for index, route, delivery in routed:
        number = delivery.phone_number_id
        for message in delivery.messages:
            if (message.wamid,) in messages:
                duplicates[index] += 1
            else:
                messages[(message.wamid,)] = index, _message_row(tenant_id, route, number, message, now)
        for status in delivery.statuses:
            if (status.wamid, status.state.value) in statuses:
                duplicates[index] += 1
            else:
                statuses[(status.wamid, status.state.value)] = index, _status_row(tenant_id, number, status, now)
    new = await _insert_new(uow.session, _NEW_MESSAGES, [row for _, row in messages.values()])
    new |= await _insert_new(uow.session, _NEW_RECEIPTS, [row for _, row in statuses.values()])
    if statuses:  # our sent messages move forward with their receipts, in whatever order they came
        await apply_receipts(uow, [(row["wamid"], row["status"], row["occurred_at"], row["error_code"],
                                    row["error_title"]) for _, row in statuses.values()])
    stored = dict.fromkeys(duplicates, 0)
    for key, (index, _) in (*messages.items(), *statuses.items()):
        if key in new:
            stored[index] += 1
        else:
            duplicates[index] += 1
    return {index: (stored[index], duplicates[index]) for index in duplicates}


async def store_deliveries(uow: UnitOfWork, deliveries: Sequence[tuple[NumberRoute, NumberDelivery]]) \
        -> tuple[int, int]:
    """Store this salon's messages (queued) and receipts; (stored, duplicates). The caller commits."""
    counts = await _store_routed(uow, [(0, route, delivery) for route, delivery in deliveries])
    return counts.get(0, (0, 0))


# ---- taking in webhooks -----------------------------------------------------------------------------------------


class NumberDirectory:
    """The routes of registered business numbers, remembered by one process.

    Numbers rarely move, so a webhook for a remembered number skips the platform-scoped lookup (a transaction of
    its own). It is not trusted blindly: ``take_in`` confirms the route in the storing salon's transaction (the
    salon still has the number, on the same branch; row-level security shows it no other salon's) before storing
    anything under it. A number that moved or was removed is forgotten and looked up afresh in the same call, so a
    stale entry costs one extra lookup and never a message in the wrong salon. No expiry is needed for that, and
    the directory holds only numbers that were found registered: a number registered a moment ago is not known
    here and is looked up on its first delivery."""

    def __init__(self) -> None:
        self._routes: dict[str, NumberRoute] = {}

    def __len__(self) -> int:
        return len(self._routes)

    def recall(self, phone_number_ids: Iterable[str]) -> dict[str, NumberRoute]:
        return {number: self._routes[number] for number in phone_number_ids if number in self._routes}

    def remember(self, routes: Mapping[str, NumberRoute]) -> None:
        self._routes.update(routes)

    def forget(self, phone_number_ids: Iterable[str]) -> None:
        for number in phone_number_ids:
            self._routes.pop(number, None)


_HELD = (select(WhatsAppNumber.phone_number_id, WhatsAppNumber.branch_id)
         .where(WhatsAppNumber.phone_number_id.in_(bindparam("numbers", expanding=True))))


async def moved_numbers(uow: UnitOfWork, remembered: Mapping[str, NumberRoute]) -> set[str]:
    """The numbers among ``remembered`` that this salon no longer has on the remembered branch."""
    rows = await uow.session.execute(_HELD, {"numbers": sorted(remembered)})
    current = {number: branch_id for number, branch_id in rows}
    return {number for number, route in remembered.items() if current.get(number) != route.branch_id}


async def take_in(sessions: async_sessionmaker[AsyncSession], clock: Clock, deliveries: Sequence[NumberDelivery],
                  *, request_id: str | None = None, directory: NumberDirectory | None = None) -> IntakeResult:
    """Route each delivery to its salon and store it there: one transaction per salon, all of it or none of it.

    With a ``directory``, remembered routes are used without a lookup and confirmed in the salon's transaction;
    deliveries whose route proves stale are routed again from a fresh lookup. A salon's transaction that fails
    raises, after earlier salons' have committed; the sender retries the whole POST and the committed part is
    then counted as duplicates."""
    [result] = await take_in_many(sessions, clock, [deliveries], request_id=request_id, directory=directory)
    return result


async def take_in_many(sessions: async_sessionmaker[AsyncSession], clock: Clock,
                       posts: Sequence[Sequence[NumberDelivery]], *, request_id: str | None = None,
                       directory: NumberDirectory | None = None) -> list[IntakeResult]:
    """``take_in`` for several POSTs at once: one transaction per salon for all of them, and a result for each
    POST. Raises as ``take_in`` does, for all of them."""
    results = [IntakeResult() for _ in posts]
    tagged = [(index, delivery) for index, post in enumerate(posts) for delivery in post]
    if not tagged:
        return results
    remembered = directory.recall({delivery.phone_number_id for _, delivery in tagged}) if directory else {}
    stale = await _route_and_store(sessions, clock, tagged, remembered, results, request_id, directory)
    if stale:
        await _route_and_store(sessions, clock, stale, {}, results, request_id, directory)
    return results


async def _route_and_store(sessions: async_sessionmaker[AsyncSession], clock: Clock,
                           tagged: Sequence[tuple[int, NumberDelivery]], remembered: Mapping[str, NumberRoute],
                           results: list[IntakeResult], request_id: str | None,
                           directory: NumberDirectory | None) -> list[tuple[int, NumberDelivery]]:
    """Store what has a route, adding to each POST's result; the deliveries whose remembered route proved stale."""
    routes = dict(remembered)
    unknown = {delivery.phone_number_id for _, delivery in tagged} - routes.keys()
    if unknown:
        async with UnitOfWork(sessions, tenant_id=None, actor=INTAKE_ACTOR, clock=clock, request_id=request_id,
                              platform=True) as uow:
            found = await route_numbers(uow, unknown)
        if directory is not None:
            directory.remember(found)
        routes.update(found)
    by_tenant: dict[uuid.UUID, list[Routed]] = {}
    for index, delivery in tagged:
        route = routes.get(delivery.phone_number_id)
        if route is None:
            result = results[index]
            result.unrouted += len(delivery.messages) + len(delivery.statuses)
            if delivery.phone_number_id not in result.unknown_numbers:
                result.unknown_numbers.append(delivery.phone_number_id)
            continue
        by_tenant.setdefault(route.tenant_id, []).append((index, route, delivery))
    stale: list[tuple[int, NumberDelivery]] = []
    for tenant_id, routed in by_tenant.items():
        async with UnitOfWork(sessions, tenant_id=tenant_id, actor=INTAKE_ACTOR, clock=clock,
                              request_id=request_id) as uow:
            to_confirm = {delivery.phone_number_id: route for _, route, delivery in routed
                          if delivery.phone_number_id in remembered}
            moved = await moved_numbers(uow, to_confirm) if to_confirm else set()
            if moved:
                if directory is not None:
                    directory.forget(moved)
                stale += [(index, delivery) for index, _, delivery in routed if delivery.phone_number_id in moved]
                routed = [item for item in routed if item[2].phone_number_id not in moved]
            counts = await _store_routed(uow, routed)
            await uow.commit()
        for index, (stored, duplicates) in counts.items():
            results[index].stored += stored
            results[index].duplicates += duplicates
    return stale


# ---- for staff: customer messages the worker parked ------------------------------------------------------------


async def inbox(uow: UnitOfWork, *, status: InboundStatus | None = InboundStatus.FAILED,
                  limit: int = 100) -> Sequence[InboundMessage]:
    """The salon's customer messages in ``status`` (None: all), newest first. Failed ones were parked by the worker
    after repeated failures and carry the reason in ``last_error``."""
    tenant_id = uow.require_tenant()
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}.", field="limit")
    query = (select(InboundMessage).where(InboundMessage.tenant_id == tenant_id)
             .order_by(InboundMessage.id.desc()).limit(limit))
    if status is not None:
        query = query.where(InboundMessage.status == status.value)
    return (await uow.session.scalars(query)).all()


_NOT_REQUEUEABLE = {
    InboundStatus.DONE.value: "This message was already answered; it is not handled again.",
    InboundStatus.PROCESSING.value: "This message is being handled right now; it cannot be queued again.",
}


async def requeue_inbound(uow: UnitOfWork, message_id: int) -> tuple[InboundMessage, bool]:
    """Hand a parked (failed) customer message back to the worker with a fresh run of attempts; the caller commits.
    (message, True) when this call queued it; (message, False) when it was already queued (nothing changed).
    One already answered is a Conflict.

    The worker answers it as the customer's next turn (the turn is keyed by the message's wamid, so one that was
    in fact recorded before it failed is not answered twice). The row is changed through the ORM, so the audit log
    keeps who queued it again and the error it was parked with; the row's own ``last_error`` is cleared."""
    message = await locked_row(uow, InboundMessage, message_id, "No such customer message.")
    if message.status == InboundStatus.QUEUED.value:
        return message, False
    if message.status != InboundStatus.FAILED.value:
        raise Conflict(_NOT_REQUEUEABLE.get(message.status, "This message cannot be queued again."),
                       id=message_id, status=message.status)
    message.status, message.attempts = InboundStatus.QUEUED.value, 0
    message.last_error = message.retry_at = message.processed_at = None
    await uow.session.flush()
    return message, True
