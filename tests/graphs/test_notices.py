"""Messages Cazo starts on its own (reminders, notices, follow-ups, feedback requests, rebooking prompts), the
event outbox they are built from, feedback after a visit, and the add-on offered once with a held time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from domain.models import (
    Booking,
    BookingItem,
    ConversationTurn,
    Customer,
    CustomerMessage,
    EventRecord,
    Feedback,
    Handoff,
)
from domain.services.notices import due_messages
from domain.uow import Actor
from graphs.notices import ABANDONED_AFTER, run_notices
from tests.graphs.chat_kit import Chat, a_free_time_tomorrow, body, options, tenant_uow
from tools.base import run_tool
from tools.booking_changes import cancel_booking, check_in, complete_booking, reschedule_booking
from tools.bookings import book_appointment, check_availability
from tools.context import ToolContext


def desk(chat: Chat) -> ToolContext:
    deps = chat.deps
    return ToolContext(sessions=deps.sessions, clock=deps.clock, tenant_id=deps.tenant_id,
                       actor=Actor("staff", "desk"), role="front_desk", branch_id=deps.branch_id)


def service_id(chat: Chat, name: str) -> str:
    return next(sid for sid, service, _ in chat.deps.snapshot.services if service == name)


async def free_start(chat: Chat, name: str, days: int = 2) -> datetime:
    day = (chat.deps.clock.now().astimezone(chat.deps.salon.zone) + timedelta(days=days)).date()
    found = await run_tool(check_availability, desk(chat), {
        "service_ids": [service_id(chat, name)], "from_date": day.isoformat(),
        "to_date": (day + timedelta(days=6)).isoformat(), "limit": 50})
    first_day = [s for s in found.slots if s.starts_at.astimezone(chat.deps.salon.zone).date()
                 == found.slots[0].starts_at.astimezone(chat.deps.salon.zone).date()]
    return first_day[len(first_day) // 2].starts_at


async def desk_booking(chat: Chat, name: str = "Beard trim", days: int = 2) -> Any:
    return await run_tool(book_appointment, desk(chat), {
        "service_ids": [service_id(chat, name)], "starts_at": (await free_start(chat, name, days)).isoformat(),
        "customer_id": str(chat.deps.customer_id)})


async def messages(chat: Chat, **where: Any) -> list[CustomerMessage]:
    async with tenant_uow(chat) as uow:
        query = select(CustomerMessage).where(CustomerMessage.customer_id == chat.deps.customer_id)
        for key, value in where.items():
            query = query.where(getattr(CustomerMessage, key) == value)
        return list((await uow.session.scalars(query.order_by(CustomerMessage.due_at))).all())


async def notices(chat: Chat) -> Any:
    return await run_notices(chat.deps.sessions, chat.deps.clock, chat.deps.tenant_id)


def text_of(message: CustomerMessage) -> str:
    body = message.body
    return str(body["text"]["body"] if body["type"] == "text" else body["interactive"]["body"]["text"])


async def test_an_event_is_stored_with_its_change_and_not_without_it(chat: Chat) -> None:
    booked = await desk_booking(chat)
    async with tenant_uow(chat) as uow:
        names = (await uow.session.scalars(select(EventRecord.name).where(
            EventRecord.payload["booking_id"].astext == str(booked.id)))).all()
    assert names == ["AppointmentBooked"]
    taken = booked.starts_at
    try:  # the same time again: refused, so no booking and no event
        await run_tool(book_appointment, desk(chat), {"service_ids": [service_id(chat, "Beard trim")],
                                                      "starts_at": taken.isoformat(),
                                                      "customer_id": str(chat.deps.customer_id),
                                                      "staff_id": str(booked.items[0].staff_id)})
    except Exception:  # noqa: BLE001 - the refusal itself is tested elsewhere
        pass
    async with tenant_uow(chat) as uow:
        count = len((await uow.session.scalars(select(EventRecord.id).where(
            EventRecord.name == "AppointmentBooked"))).all())
    assert count == 1


async def test_a_desk_booking_gets_a_confirmation_and_two_reminders_once(chat: Chat) -> None:
    booked = await desk_booking(chat)
    first = await notices(chat)
    assert first.events >= 1 and first.scheduled == 3
    queued = await messages(chat)
    assert [m.kind for m in queued] == ["booking_confirmation", "reminder_day_before", "reminder_soon"]
    confirmation, day_before, soon = queued
    assert confirmation.due_at == chat.deps.clock.now()
    assert day_before.due_at == booked.starts_at - timedelta(hours=24)
    assert soon.due_at == booked.starts_at - timedelta(hours=2)
    assert "Beard trim" in text_of(confirmation) and "Beard trim" in text_of(day_before)
    assert day_before.template is not None and day_before.template["name"] == "cazo_reminder_day_before"
    assert day_before.template["params"][0] == "Beard trim"
    assert [b["reply"]["id"] for b in day_before.body["interactive"]["action"]["buttons"]] == [
        f"coming:{booked.id}", "intent:reschedule", "intent:cancel"]
    async with tenant_uow(chat) as uow:  # what a sender takes now: the confirmation, not the reminders yet
        assert [m.kind for m in await due_messages(uow, chat.deps.clock.now())] == ["booking_confirmation"]
    again = await notices(chat)  # nothing new happened: nothing is queued twice
    assert again.events == 0 and again.scheduled == 0 and len(await messages(chat)) == 3


async def test_moving_a_booking_replaces_its_reminders_and_tells_the_customer(chat: Chat) -> None:
    booked = await desk_booking(chat)
    await notices(chat)
    new_start = await free_start(chat, "Beard trim", days=3)
    await run_tool(reschedule_booking, desk(chat), {"booking_id": str(booked.id), "starts_at": new_start.isoformat()})
    run = await notices(chat)
    assert run.withdrawn == 2
    live = await messages(chat, status="scheduled")
    assert sorted(m.kind for m in live) == ["booking_changed", "booking_confirmation", "reminder_day_before",
                                            "reminder_soon"]
    assert {m.due_at for m in live if m.kind.startswith("reminder")} == {
        new_start - timedelta(hours=24), new_start - timedelta(hours=2)}
    assert len(await messages(chat, status="cancelled")) == 2


async def test_a_salon_cancellation_withdraws_reminders_and_offers_to_rebook(chat: Chat) -> None:
    booked = await desk_booking(chat)
    await notices(chat)
    await run_tool(cancel_booking, desk(chat), {"booking_id": str(booked.id), "reason": "stylist ill"})
    await notices(chat)
    assert not [m for m in await messages(chat, status="scheduled") if m.kind.startswith("reminder")]
    [notice] = await messages(chat, kind="booking_cancelled")
    assert [b["reply"]["id"] for b in notice.body["interactive"]["action"]["buttons"]] == ["intent:book"]


async def test_a_customer_cancelling_in_the_chat_gets_no_notice(chat: Chat) -> None:
    at = await a_free_time_tomorrow(chat, "Beard trim")
    await chat.say(f"kal {at} beard trim book kar do")
    await chat.say("Confirm", payload="confirm:yes")
    await notices(chat)
    assert [m.kind for m in await messages(chat)] == ["reminder_day_before", "reminder_soon"][:len(
        await messages(chat))]  # a chat booking was confirmed in the chat: reminders only, no confirmation
    [booking] = [b for b in await _bookings(chat) if b.status == "confirmed"]
    await run_tool(cancel_booking, chat.deps.tool_context(), {"booking_id": str(booking.id)})
    await notices(chat)
    assert not await messages(chat, kind="booking_cancelled")
    assert not await messages(chat, status="scheduled")


async def _bookings(chat: Chat) -> list[Booking]:
    async with tenant_uow(chat) as uow:
        return list((await uow.session.scalars(select(Booking).where(
            Booking.customer_id == chat.deps.customer_id))).all())


async def _finish_visit(chat: Chat, consent: bool = False) -> Any:
    booked = await desk_booking(chat, days=1)
    if consent:
        async with tenant_uow(chat) as uow:
            await uow.session.execute(update(Customer).where(Customer.id == chat.deps.customer_id).values(
                marketing_consent=True, marketing_consent_at=chat.deps.clock.now(),
                marketing_consent_source="whatsapp"))
            await uow.commit()
    chat.deps.clock.advance(booked.starts_at - chat.deps.clock.now() - timedelta(minutes=10))
    await run_tool(check_in, desk(chat), {"booking_id": str(booked.id)})
    chat.deps.clock.advance(timedelta(minutes=40))
    await run_tool(complete_booking, desk(chat), {"booking_id": str(booked.id)})
    await notices(chat)
    return booked


async def test_a_finished_visit_gets_a_feedback_request_and_a_five_star_tap_is_kept_with_the_comment(
        chat: Chat) -> None:
    booked = await _finish_visit(chat)
    [request] = await messages(chat, kind="feedback_request")
    assert request.due_at == chat.deps.clock.now() + timedelta(hours=2)
    rows = [r["id"] for r in request.body["interactive"]["action"]["sections"][0]["rows"]]
    assert rows == [f"rate:{booked.id}:{n}" for n in (5, 4, 3, 2, 1)]
    assert not await messages(chat, kind="rebook_prompt")  # no marketing consent: no rebooking prompt
    rated = await chat.say("5 - Loved it", payload=rows[0])
    assert rated.flow == "feedback" and "Anything you'd like to add" in body(rated)
    commented = await chat.say("Imran was brilliant, very neat work")
    assert commented.flow == "feedback"
    async with tenant_uow(chat) as uow:
        [kept] = (await uow.session.scalars(select(Feedback))).all()
    assert (kept.booking_id, kept.rating, kept.comment) == (booked.id, 5, "Imran was brilliant, very neat work")
    after = await chat.say("kal beard trim karwana hai")  # the next request is a request, not a comment
    assert after.flow == "book"


async def test_a_low_rating_goes_to_a_person(chat: Chat) -> None:
    booked = await _finish_visit(chat)
    result = await chat.say("1 - Bad", payload=f"rate:{booked.id}:1")
    assert result.flow == "feedback" and "manager" in body(result)
    async with tenant_uow(chat) as uow:
        [handoff] = (await uow.session.scalars(select(Handoff))).all()
    assert handoff.reason == "low rating (1/5) for a visit"
    assert (await chat.say("the colour was patchy")).flow == "silent"


async def test_a_typed_rating_rates_the_latest_visit_and_a_rating_with_no_visit_is_not_invented(
        chat: Chat) -> None:
    nothing = await chat.say("5 stars, great service")
    assert nothing.flow == "feedback" and "couldn't find a recent visit" in body(nothing)
    booked = await _finish_visit(chat)
    typed = await chat.say("4 stars")
    assert typed.flow == "feedback"
    async with tenant_uow(chat) as uow:
        [kept] = (await uow.session.scalars(select(Feedback))).all()
    assert (kept.booking_id, kept.rating) == (booked.id, 4)


async def test_a_visit_with_marketing_consent_gets_a_rebooking_prompt_withdrawn_when_they_book_again(
        chat: Chat) -> None:
    booked = await _finish_visit(chat, consent=True)
    [prompt] = await messages(chat, kind="rebook_prompt")
    assert prompt.promotional and prompt.due_at == booked.starts_at + timedelta(days=21)  # grooming: three weeks
    assert prompt.template is not None and prompt.template["name"] == "cazo_rebook_prompt"
    await desk_booking(chat, days=5)
    await notices(chat)
    [withdrawn] = await messages(chat, kind="rebook_prompt")
    assert withdrawn.status == "cancelled" and withdrawn.status_reason == "the customer booked"


async def test_a_chat_that_stopped_at_the_time_list_gets_one_follow_up_inside_the_window(chat: Chat) -> None:
    asked = await chat.say("kal beard trim karwana hai")
    assert asked.flow == "book"
    async with tenant_uow(chat) as uow:
        [turn] = (await uow.session.scalars(select(ConversationTurn))).all()
    assert (turn.step, turn.outcome) == ("choose_slot", "asked")
    early = await notices(chat)
    assert early.follow_ups == 0  # not yet: they may still be choosing
    chat.deps.clock.advance(ABANDONED_AFTER + timedelta(minutes=1))
    later = await notices(chat)
    assert later.follow_ups == 1
    [follow_up] = await messages(chat, kind="abandoned_booking")
    assert follow_up.template is None and follow_up.expires_at == turn.created_at + timedelta(hours=24)
    assert [b["reply"]["id"] for b in follow_up.body["interactive"]["action"]["buttons"]] == [
        "intent:book", "confirm:no"]
    assert (await notices(chat)).follow_ups == 0  # once per stop
    resumed = await chat.say("Yes, continue", payload="intent:book")
    assert resumed.flow == "book" and "Beard trim" in body(resumed)  # picks up the service already chosen


async def test_no_follow_up_after_the_window_closed_or_once_booked(chat: Chat) -> None:
    await chat.say("kal beard trim karwana hai")
    chat.deps.clock.advance(timedelta(hours=25))
    assert (await notices(chat)).follow_ups == 0
    await chat.say("kal beard trim karwana hai")
    await desk_booking(chat)  # booked at the desk meanwhile
    chat.deps.clock.advance(ABANDONED_AFTER + timedelta(minutes=1))
    assert (await notices(chat)).follow_ups == 0


async def test_an_add_on_is_offered_once_with_the_held_time_and_one_tap_adds_it(chat: Chat) -> None:
    at = await a_free_time_tomorrow(chat, "Beard trim")
    first = await chat.say(f"kal {at} beard trim book kar do")
    buttons = options(first)
    assert buttons[0] == "confirm:yes" and buttons[-1] == "confirm:no"
    assert buttons[1].startswith("add:")  # the demo salon's history pairs beard trims with an add-on
    addon = uuid.UUID(buttons[1][4:])
    name = next(n for sid, n, _ in chat.deps.snapshot.services if sid == str(addon))
    assert name in body(first)
    added = await chat.say(f"Add {name}", payload=buttons[1])
    assert added.flow == "book"
    if options(added)[0] == "confirm:yes":  # still free at the same time: the summary has both, no second offer
        assert f"Beard trim + {name}" in body(added)
        assert not any(o.startswith("add:") for o in options(added))
        done = await chat.say("Confirm", payload="confirm:yes")
        assert done.flow == "confirm"
        [booking] = [b for b in await _bookings(chat) if b.status == "confirmed"]
        async with tenant_uow(chat) as uow:
            items = (await uow.session.scalars(select(BookingItem.service_id).where(
                BookingItem.booking_id == booking.id).order_by(BookingItem.position))).all()
        assert [str(i) for i in items] == [service_id(chat, "Beard trim"), str(addon)]
    else:  # the longer visit does not fit at that time: other times for both services, and the old hold let go
        assert all(o.startswith("slot:") for o in options(added))
        assert [b.status for b in await _bookings(chat)] == ["cancelled"]


async def test_a_customer_who_sent_stop_is_sent_nothing(chat: Chat) -> None:
    await chat.say("STOP")
    await desk_booking(chat)
    run = await notices(chat)
    assert run.events >= 1 and run.scheduled == 0 and not await messages(chat)
