"""The staff tools for the WhatsApp channel, against the run's PostgreSQL: failed sends and parked customer
messages listed with the reason, put back in their queues once however often staff ask, other salons' rows out of
reach, and business numbers routed to branches by the owner."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, get_args

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models import (
    AuditEntry,
    Customer,
    CustomerMessage,
    InboundMessage,
    InboundStatus,
    MessageStatus,
    OutboundMessage,
    OutboundStatus,
)
from domain.services import outbound
from domain.uow import Actor, UnitOfWork
from tests.factories import make_salon
from tests.scheduling_salon import Studio
from tests.tools.conftest import ContextFor
from tools import whatsapp as tools
from tools.base import Tool, run_tool
from tools.context import Role, ToolContext

UowFor = Callable[..., UnitOfWork]
NUMBER_ID = "100000000000042"
TEXT = {"type": "text", "text": {"body": "Your haircut is booked for Friday at 5 pm.", "preview_url": False}}
GAVE_UP = "gave up after 6 attempts: Graph API 503"


async def an_outbound(uow_for: UowFor, clock: FixedClock, tenant_id: uuid.UUID, customer: Customer, *,
                      status: OutboundStatus, minutes_ago: int = 0, body: dict[str, Any] | None = None,
                      template: dict[str, Any] | None = None, notice: uuid.UUID | None = None,
                      **fields: Any) -> int:
    """An outbox row as the worker leaves it (the test says how far it got)."""
    at = clock.now() - timedelta(minutes=minutes_ago)
    async with uow_for(tenant_id) as uow:
        row = OutboundMessage(
            tenant_id=tenant_id, customer_id=customer.id, phone_number_id=NUMBER_ID, to_phone=customer.phone_e164,
            source="notice" if notice else "reply", dedupe_key=f"test:{uuid.uuid4()}", customer_message_id=notice,
            body=body or TEXT, template=template, status=status.value, next_attempt_at=at, created_at=at, **fields)
        uow.session.add(row)
        await uow.commit()
    return row.id


async def a_failed_send(uow_for: UowFor, clock: FixedClock, tenant_id: uuid.UUID, customer: Customer,
                        **fields: Any) -> int:
    return await an_outbound(uow_for, clock, tenant_id, customer, status=OutboundStatus.FAILED,
                             **{"attempts": 6, "last_error": GAVE_UP, "error_code": 131000,
                                "failed_at": clock.now(), **fields})


async def an_inbound(uow_for: UowFor, clock: FixedClock, tenant_id: uuid.UUID, branch_id: uuid.UUID, *,
                     status: InboundStatus, text: str | None = "kal shaam 5 baje haircut", kind: str = "text",
                     phone: str | None = "+919820012345", minutes_ago: int = 0, **fields: Any) -> int:
    """A customer's message as the webhook stores it and the worker leaves it."""
    at = clock.now() - timedelta(minutes=minutes_ago)
    wamid = f"wamid.{uuid.uuid4().hex}"
    async with uow_for(tenant_id) as uow:
        row = InboundMessage(
            tenant_id=tenant_id, branch_id=branch_id, phone_number_id=NUMBER_ID, wamid=wamid, customer_phone=phone,
            customer_user_id=None if phone else "IN.1234567890", contact_name="Riya", kind=kind, text=text,
            payload={"id": wamid, "type": kind}, sent_at=at, received_at=at, status=status.value, **fields)
        uow.session.add(row)
        await uow.commit()
    return row.id


async def a_parked_message(uow_for: UowFor, clock: FixedClock, tenant_id: uuid.UUID, branch_id: uuid.UUID,
                           **fields: Any) -> int:
    return await an_inbound(uow_for, clock, tenant_id, branch_id, status=InboundStatus.FAILED,
                            **{"attempts": 5, "last_error": "TimeoutError: the model did not answer",
                               "processed_at": clock.now(), **fields})


async def another_salon(uow_for: UowFor) -> tuple[uuid.UUID, uuid.UUID, Customer]:
    async with uow_for(uuid.uuid4()) as uow:
        other = await make_salon(uow, "shine", phone="+919820099999")
        await uow.commit()
    return other.tenant_id, other.branch_id, other.customer


# ---- outbound ---------------------------------------------------------------------------------------------------


def test_the_status_filters_name_every_status_and_all() -> None:
    assert set(get_args(tools.OutboundFilter)) == {"all"} | {status.value for status in OutboundStatus}
    assert set(get_args(tools.InboundFilter)) == {"all"} | {status.value for status in InboundStatus} - {
        "processing"}  # a state the worker never writes


async def test_failed_sends_are_listed_newest_first_with_the_reason_a_preview_and_a_masked_phone(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    riya, kabir = salon.riya, salon.kabir
    older = await a_failed_send(uow_for, clock, salon.tenant_id, riya, minutes_ago=30)
    newer = await a_failed_send(uow_for, clock, salon.tenant_id, kabir, minutes_ago=5, last_error=(
        "Meta could not deliver it: Message undeliverable (code 131026)"), error_code=131026, sent_as="message",
        wamid="wamid.out-1", sent_at=clock.now() - timedelta(minutes=5))
    menu = {"type": "interactive", "interactive": {"type": "button", "body": {"text": "Which day suits you?\n\nPick "
                                                                                      "one:"}, "action": {}}}
    cancelled = await an_outbound(uow_for, clock, salon.tenant_id, riya, status=OutboundStatus.CANCELLED,
                                  body=menu, last_error="the customer opted out (STOP)")
    templated = await an_outbound(uow_for, clock, salon.tenant_id, riya, status=OutboundStatus.SENT, minutes_ago=1,
                                  template={"name": "reminder_day_before", "language": "en", "params": []},
                                  sent_as="template", wamid="wamid.out-2", sent_at=clock.now())
    stylist = context_for(role="stylist")

    failed = (await run_tool(tools.list_outbound, stylist, {})).messages
    assert [m.id for m in failed] == [newer, older]
    first = failed[0]
    assert (first.status, first.attempts, first.error_code, first.sent_as) == ("failed", 6, 131026, "message")
    assert first.last_error == "Meta could not deliver it: Message undeliverable (code 131026)"
    assert first.phone == "+91******4321" and first.customer_id == kabir.id and first.source == "reply"
    assert first.preview == "Your haircut is booked for Friday at 5 pm."
    assert failed[1].last_error == GAVE_UP and failed[1].failed_at == clock.now()

    only_cancelled = (await run_tool(tools.list_outbound, stylist, {"status": "cancelled"})).messages
    assert [(m.id, m.preview, m.last_error) for m in only_cancelled] == [
        (cancelled, "Which day suits you? Pick one:", "the customer opted out (STOP)")]
    every = (await run_tool(tools.list_outbound, stylist, {"status": "all"})).messages
    assert [m.id for m in every] == [templated, cancelled, newer, older]
    assert every[0].preview == "[template reminder_day_before]"
    riyas = (await run_tool(tools.list_outbound, stylist, {"status": "all", "customer_id": riya.id,
                                                           "limit": 2})).messages
    assert [m.id for m in riyas] == [templated, cancelled]
    with pytest.raises(InvalidInput):
        await run_tool(tools.list_outbound, stylist, {"limit": 201})
    with pytest.raises(InvalidInput):
        await run_tool(tools.list_outbound, stylist, {"status": "lost"})


def test_a_long_message_is_previewed_on_one_short_line() -> None:
    row = OutboundMessage(body={"type": "text", "text": {"body": "Namaste!\n" + "a" * 300}}, template=None,
                          sent_as=None)
    preview = tools.outbound_preview(row)
    assert len(preview) == tools.PREVIEW_LENGTH and preview.startswith("Namaste! aaa") and preview.endswith("…")
    image = OutboundMessage(body={"type": "image", "image": {"id": "m1"}}, template=None, sent_as=None)
    assert tools.outbound_preview(image) == "[image]"


async def test_a_failed_send_goes_back_to_the_queue_once_and_the_audit_log_keeps_why_it_failed(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    failed = await a_failed_send(uow_for, clock, salon.tenant_id, salon.riya, minutes_ago=90,
                                 wamid="wamid.undelivered", sent_as="message", sent_at=clock.now())
    desk = context_for(role="front_desk")

    retried = await run_tool(tools.retry_outbound, desk, {"message_id": failed})
    assert retried.requeued and retried.id == failed
    assert (retried.status, retried.attempts, retried.last_error, retried.error_code) == ("queued", 0, None, None)
    assert retried.next_attempt_at == clock.now()
    assert (retried.sent_as, retried.sent_at, retried.failed_at) == (None, None, None)

    again = await run_tool(tools.retry_outbound, desk, {"message_id": failed})
    assert not again.requeued and again.model_dump(exclude={"requeued"}) == retried.model_dump(
        exclude={"requeued"})

    async with uow_for(salon.tenant_id) as uow:
        row = await uow.session.get(OutboundMessage, failed)
        assert row is not None and row.wamid is None  # a late receipt for the old send cannot touch the new one
        entries = (await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "outbound_messages", AuditEntry.entity_id == str(failed)))).all()
    assert len(entries) == 1  # the second retry changed nothing
    entry = entries[0]
    assert (entry.action, entry.actor_type, entry.actor_id, entry.request_id) == ("update", "staff", "desk",
                                                                                  "test-request")
    assert entry.before is not None and entry.after is not None
    assert entry.before["last_error"] == GAVE_UP and entry.before["wamid"] == "wamid.undelivered"
    assert entry.after["status"] == "queued" and entry.after["last_error"] is None

    async with uow_for(salon.tenant_id, actor=Actor.system("worker")) as uow:  # the sender takes it now
        claimed = await outbound.claim_ready(uow)
    assert [message.id for message in claimed] == [failed]


async def test_a_cancelled_notice_goes_back_to_the_queue_with_its_notice(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    async with uow_for(salon.tenant_id) as uow:
        notice = CustomerMessage(tenant_id=salon.tenant_id, customer_id=salon.riya.id, kind="reminder_day_before",
                                 dedupe_key="reminder:1", language="en", body=TEXT, due_at=clock.now(),
                                 status=MessageStatus.CANCELLED.value,
                                 status_reason="outside the 24-hour customer service window")
        uow.session.add(notice)
        await uow.commit()
    cancelled = await an_outbound(uow_for, clock, salon.tenant_id, salon.riya, status=OutboundStatus.CANCELLED,
                                  notice=notice.id, attempts=1,
                                  last_error="outside the 24-hour customer service window, and it has no approved "
                                             "template")

    retried = await run_tool(tools.retry_outbound, context_for(role="manager"), {"message_id": cancelled})
    assert retried.requeued and retried.status == "queued" and retried.source == "notice"
    async with uow_for(salon.tenant_id) as uow:
        back = await uow.session.get(CustomerMessage, notice.id)
        assert back is not None and (back.status, back.status_reason) == ("queued", None)


@pytest.mark.parametrize("status", [OutboundStatus.SENDING, OutboundStatus.SENT, OutboundStatus.DELIVERED,
                                    OutboundStatus.READ])
async def test_a_message_on_its_way_or_sent_is_not_sent_again(
        status: OutboundStatus, salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    sent = status is not OutboundStatus.SENDING
    message = await an_outbound(uow_for, clock, salon.tenant_id, salon.riya, status=status, attempts=1,
                                wamid="wamid.sent" if sent else None, sent_at=clock.now() if sent else None)
    with pytest.raises(Conflict) as refused:
        await run_tool(tools.retry_outbound, context_for(role="owner"), {"message_id": message})
    assert ("being sent" if status is OutboundStatus.SENDING else "not sent again") in refused.value.message
    async with uow_for(salon.tenant_id) as uow:
        row = await uow.session.get(OutboundMessage, message)
        assert row is not None and (row.status, row.attempts) == (status.value, 1)


# ---- inbound ----------------------------------------------------------------------------------------------------


async def test_parked_customer_messages_are_listed_with_the_reason(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    parked = await a_parked_message(uow_for, clock, salon.tenant_id, salon.branch_id, minutes_ago=10)
    hidden = await a_parked_message(uow_for, clock, salon.tenant_id, salon.branch_id, minutes_ago=5, phone=None,
                                    kind="button", text=None, reply_title="Yes, book it",
                                    last_error="_Park: the customer hides their phone number")
    waiting = await an_inbound(uow_for, clock, salon.tenant_id, salon.branch_id, status=InboundStatus.QUEUED,
                               kind="voice", text=None, attempts=2, last_error="TimeoutError",
                               retry_at=clock.now() + timedelta(seconds=4))
    answered = await an_inbound(uow_for, clock, salon.tenant_id, salon.branch_id, status=InboundStatus.DONE,
                                minutes_ago=60, processed_at=clock.now())
    stylist = context_for(role="stylist")

    failed = (await run_tool(tools.list_inbound, stylist, {})).messages
    assert [m.id for m in failed] == [hidden, parked]
    assert (failed[0].phone, failed[0].preview, failed[0].kind) == (None, "Yes, book it", "button")
    assert failed[1].phone == "+91******2345" and failed[1].preview == "kal shaam 5 baje haircut"
    assert (failed[1].attempts, failed[1].last_error) == (5, "TimeoutError: the model did not answer")
    assert failed[1].processed_at == clock.now() and failed[1].wamid.startswith("wamid.")
    queued = (await run_tool(tools.list_inbound, stylist, {"status": "queued"})).messages
    assert [(m.id, m.preview, m.retry_at) for m in queued] == [(waiting, "[voice]",
                                                                clock.now() + timedelta(seconds=4))]
    every = (await run_tool(tools.list_inbound, stylist, {"status": "all", "limit": 3})).messages
    assert [m.id for m in every] == [answered, waiting, hidden]


async def test_a_parked_message_goes_back_to_the_worker_once(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    parked = await a_parked_message(uow_for, clock, salon.tenant_id, salon.branch_id)
    desk = context_for(role="front_desk")

    retried = await run_tool(tools.retry_inbound, desk, {"message_id": parked})
    assert retried.requeued and (retried.status, retried.attempts, retried.last_error) == ("queued", 0, None)
    assert (retried.processed_at, retried.retry_at) == (None, None)
    again = await run_tool(tools.retry_inbound, desk, {"message_id": parked})
    assert not again.requeued and again.status == "queued"
    async with uow_for(salon.tenant_id) as uow:
        entries = (await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "inbound_messages", AuditEntry.entity_id == str(parked)))).all()
    assert [(e.actor_id, (e.before or {}).get("last_error")) for e in entries] == [
        ("desk", "TimeoutError: the model did not answer")]


async def test_an_answered_message_is_not_handled_again(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    answered = await an_inbound(uow_for, clock, salon.tenant_id, salon.branch_id, status=InboundStatus.DONE,
                                processed_at=clock.now(), handled_as="wamid.turn")
    with pytest.raises(Conflict, match="already answered"):
        await run_tool(tools.retry_inbound, context_for(role="owner"), {"message_id": answered})


# ---- who may do what, and whose rows ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["stylist", "system", "customer"])
async def test_only_the_owner_a_manager_or_the_desk_retry(
        role: Role, salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    failed = await a_failed_send(uow_for, clock, salon.tenant_id, salon.riya)
    parked = await a_parked_message(uow_for, clock, salon.tenant_id, salon.branch_id)
    ctx = context_for(salon.riya, role=role) if role == "customer" else context_for(role=role)
    with pytest.raises(PermissionDenied):
        await run_tool(tools.retry_outbound, ctx, {"message_id": failed})
    with pytest.raises(PermissionDenied):
        await run_tool(tools.retry_inbound, ctx, {"message_id": parked})


async def test_customers_read_nothing_here(salon: Studio, context_for: ContextFor) -> None:
    riya = context_for(salon.riya)
    readers: list[Tool[Any, Any]] = [tools.list_outbound, tools.list_inbound, tools.list_numbers]
    for tool in readers:
        with pytest.raises(PermissionDenied):
            await run_tool(tool, riya, {})


async def test_another_salons_messages_are_invisible_and_cannot_be_retried(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, clock: FixedClock) -> None:
    other, other_branch, theirs = await another_salon(uow_for)
    failed = await a_failed_send(uow_for, clock, other, theirs)
    parked = await a_parked_message(uow_for, clock, other, other_branch)
    owner = context_for(role="owner")
    assert (await run_tool(tools.list_outbound, owner, {"status": "all"})).messages == []
    assert (await run_tool(tools.list_inbound, owner, {"status": "all"})).messages == []
    with pytest.raises(NotFound, match="No such outbound message"):
        await run_tool(tools.retry_outbound, owner, {"message_id": failed})
    with pytest.raises(NotFound, match="No such customer message"):
        await run_tool(tools.retry_inbound, owner, {"message_id": parked})
    async with uow_for(other) as uow:
        row = await uow.session.get(OutboundMessage, failed)
        assert row is not None and row.status == "failed"
    for bad in (0, -1, 2**63):
        with pytest.raises(InvalidInput):
            await run_tool(tools.retry_outbound, owner, {"message_id": bad})
    async with uow_for(salon.tenant_id) as uow:  # the domain refuses an id no bigint can hold as not found
        with pytest.raises(NotFound):
            await outbound.requeue_outbound(uow, 2**63)


# ---- business numbers -------------------------------------------------------------------------------------------


async def test_the_owner_registers_a_number_once_and_every_staff_role_sees_it(
        salon: Studio, context_for: ContextFor) -> None:
    owner = context_for(role="owner")
    payload = {"phone_number_id": f" {NUMBER_ID} ", "branch_id": salon.branch_id,
               "display_phone": "+91 22 2640 1188"}
    first = await run_tool(tools.register_number, owner, payload)
    assert first.created and first.phone_number_id == NUMBER_ID and first.display_phone == "+912226401188"
    assert first.branch_id == salon.branch_id and first.branch_name == "Main"
    again = await run_tool(tools.register_number, owner, payload)
    assert not again.created and again.id == first.id
    listed = (await run_tool(tools.list_numbers, context_for(role="stylist"), {})).numbers
    assert [(n.id, n.phone_number_id, n.branch_name) for n in listed] == [(first.id, NUMBER_ID, "Main")]


@pytest.mark.parametrize("role", ["manager", "front_desk", "stylist", "system"])
async def test_only_the_owner_registers_a_number(role: Role, salon: Studio, context_for: ContextFor) -> None:
    with pytest.raises(PermissionDenied):
        await run_tool(tools.register_number, context_for(role=role),
                       {"phone_number_id": NUMBER_ID, "branch_id": salon.branch_id})
    assert (await run_tool(tools.list_numbers, context_for(role="owner"), {})).numbers == []


async def test_a_number_another_salon_has_is_a_conflict_and_bad_input_changes_nothing(
        salon: Studio, context_for: ContextFor, uow_for: UowFor, db: async_sessionmaker[AsyncSession],
        clock: FixedClock) -> None:
    other, other_branch, _ = await another_salon(uow_for)
    theirs = ToolContext(sessions=db, clock=clock, tenant_id=other, actor=Actor("staff", "them"), role="owner")
    await run_tool(tools.register_number, theirs, {"phone_number_id": NUMBER_ID, "branch_id": other_branch})
    owner = context_for(role="owner")
    with pytest.raises(Conflict, match="another branch or salon"):
        await run_tool(tools.register_number, owner, {"phone_number_id": NUMBER_ID, "branch_id": salon.branch_id})
    with pytest.raises(NotFound, match="No such branch"):
        await run_tool(tools.register_number, owner, {"phone_number_id": "555", "branch_id": other_branch})
    for bad in ({"phone_number_id": "12ab", "branch_id": salon.branch_id},
                {"phone_number_id": "1" * 33, "branch_id": salon.branch_id},
                {"phone_number_id": "556", "branch_id": salon.branch_id, "display_phone": "not a phone"}):
        with pytest.raises(InvalidInput):
            await run_tool(tools.register_number, owner, bad)
    assert (await run_tool(tools.list_numbers, owner, {})).numbers == []
