"""Messages Cazo starts on its own, built from what happened (domain events) and from where chats stopped.

``run_notices`` reads one salon's unhandled events (``domain_events``, written with the change itself) and queues
customer messages (``customer_messages``), then marks the events handled, all in one transaction: a crash leaves
the events unhandled and the next run does them; a second run, or a second worker, queues nothing twice (each
message has a dedupe key).

=========================  ==================================================================================
event                      messages
=========================  ==================================================================================
AppointmentBooked          a confirmation when the booking was made at the desk or on the web (a chat booking
                           was confirmed in the chat); reminders a day and two hours before; the customer's
                           pending rebooking prompts and follow-ups are withdrawn (they have booked)
AppointmentRescheduled     the old reminders withdrawn, new ones queued; a notice when the salon moved it
AppointmentCancelled       the reminders withdrawn; a notice with a Rebook button when the salon cancelled it
AppointmentCompleted       a feedback request two hours later; a rebooking prompt when the next visit is due
                           (promotional: only with marketing consent)
=========================  ==================================================================================

A customer who stopped half-way through booking in the chat (the last turn asked for a service, day or time, or
held a time that was never confirmed) gets one follow-up after ``ABANDONED_AFTER``, only while WhatsApp's 24-hour
customer service window is open. Customers who opted out (STOP) are sent nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.errors import NotFound
from domain.models import Branch, Customer, EventRecord, MessageKind, Service, ServiceCategory
from domain.scheduling.bookings import get_booking
from domain.services.notices import (
    Notice,
    mark_handled,
    schedule,
    unhandled_events,
    withdraw,
)
from domain.uow import Actor, UnitOfWork
from graphs.flows.common import services_of, staff_of
from graphs.render import buttons, day_label, language_of, out, rows_list, time_label
from graphs.render import text as reply_text
from prompts.replies import placeholders, templates
from prompts.templates import template_call
from tools.replies import TextReply
from tools.views import BookingView, booking_view

REMINDERS = ((MessageKind.REMINDER_DAY_BEFORE, timedelta(hours=24)), (MessageKind.REMINDER_SOON, timedelta(hours=2)))
FEEDBACK_AFTER = timedelta(hours=2)
FEEDBACK_VALID = timedelta(days=3)
ABANDONED_AFTER = timedelta(minutes=30)
SERVICE_WINDOW = timedelta(hours=24)  # WhatsApp's customer service window
ABANDONED_STEPS = ("choose_service", "ask_day", "choose_slot", "confirm_booking")
# Days until a service is usually due again, by a word in its category name (the first that matches).
REBOOK_AFTER_DAYS = (("beard", 14), ("groom", 21), ("nail", 21), ("colour", 42), ("color", 42), ("hair", 35),
                     ("skin", 30), ("facial", 30), ("spa", 30))
REBOOK_DEFAULT_DAYS = 30


@dataclass
class NoticeRun:
    events: int = 0
    scheduled: int = 0
    withdrawn: int = 0
    follow_ups: int = 0


@dataclass(frozen=True)
class _Visit:
    view: BookingView
    source: str
    customer: Customer
    branch: str
    language: str

    def values(self, language: str | None = None) -> dict[str, str]:
        lang = language or self.language
        local = self.view.starts_at.astimezone(ZoneInfo(self.view.timezone))
        return {"service": services_of(self.view.items), "staff": staff_of(self.view.items),
                "day": day_label(local.date(), lang), "time": time_label(local.time(), lang), "branch": self.branch}


async def _visit(uow: UnitOfWork, booking_id: str) -> _Visit | None:
    try:
        booking = await get_booking(uuid.UUID(booking_id), uow)
    except (NotFound, ValueError):
        return None
    customer = await uow.session.get(Customer, booking.customer_id)
    branch = await uow.session.get(Branch, booking.branch_id)
    if customer is None or branch is None:
        return None
    return _Visit(await booking_view(booking, uow), booking.source, customer, branch.name,
                  language_of(customer.language))


def _fill(key: str, language: str, values: dict[str, str]) -> str:
    """The reply text with the values it uses (the visit's values cover every notice's placeholders)."""
    needed = placeholders(templates(language)[key])
    return reply_text(key, language, **{name: value for name, value in values.items() if name in needed})


def _message(key: str, visit: _Visit, options: list[tuple[str, str]]) -> dict[str, Any]:
    body = _fill(key, visit.language, visit.values())
    return out(buttons(body, options, visit.language) if options else TextReply(body))[0]


async def _queue(uow: UnitOfWork, visit: _Visit, kind: MessageKind, body: dict[str, Any], due_at: datetime, *,
                 dedupe: str, expires_at: datetime | None = None) -> bool:
    """Queue a message about a visit, with its template for outside the window, unless the customer opted out of
    messages (STOP)."""
    if visit.customer.opted_out:
        return False
    values = visit.values("en" if visit.language == "hinglish" else visit.language)
    return await schedule(uow, Notice(
        customer_id=visit.customer.id, booking_id=visit.view.id, kind=kind, dedupe_key=dedupe,
        language=visit.language, body=body, due_at=due_at, expires_at=expires_at,
        template=template_call(kind.value, visit.language, values)))


async def _reminders(uow: UnitOfWork, visit: _Visit, run: NoticeRun) -> None:
    now = uow.clock.now()
    for kind, before in REMINDERS:
        due = visit.view.starts_at - before
        if due <= now:
            continue  # booked inside the reminder's lead time: the booking itself was the reminder
        key = "reminder_day_before" if kind == MessageKind.REMINDER_DAY_BEFORE else "reminder_soon"
        options = [(f"coming:{visit.view.id}", "btn_see_you"), ("intent:reschedule", "btn_reschedule"),
                   ("intent:cancel", "btn_cancel")]
        run.scheduled += await _queue(uow, visit, kind, _message(key, visit, options), due,
                                      dedupe=f"{kind.value}:{visit.view.id}:{visit.view.starts_at.isoformat()}",
                                      expires_at=visit.view.starts_at)


async def _booked(uow: UnitOfWork, event: EventRecord, run: NoticeRun) -> None:
    visit = await _visit(uow, str(event.payload.get("booking_id")))
    if visit is None or visit.view.status != "confirmed":
        return
    run.withdrawn += await withdraw(uow, (MessageKind.REBOOK_PROMPT, MessageKind.ABANDONED_BOOKING),
                                    "the customer booked", customer_id=visit.customer.id)
    if visit.source != "whatsapp":
        run.scheduled += await _queue(uow, visit, MessageKind.BOOKING_CONFIRMATION,
                                      _message("notice_confirmation", visit, []), uow.clock.now(),
                                      dedupe=f"booking_confirmation:{visit.view.id}", expires_at=visit.view.starts_at)
    await _reminders(uow, visit, run)


async def _rescheduled(uow: UnitOfWork, event: EventRecord, run: NoticeRun) -> None:
    visit = await _visit(uow, str(event.payload.get("booking_id")))
    if visit is None:
        return
    run.withdrawn += await withdraw(uow, [kind for kind, _ in REMINDERS], "the booking moved", booking_id=visit.view.id)
    if visit.view.status != "confirmed":
        return
    if event.payload.get("by") != "customer":
        run.scheduled += await _queue(uow, visit, MessageKind.BOOKING_CHANGED, _message("notice_changed", visit, []),
                                      uow.clock.now(),
                                      dedupe=f"booking_changed:{visit.view.id}:{visit.view.starts_at.isoformat()}",
                                      expires_at=visit.view.starts_at)
    await _reminders(uow, visit, run)


async def _cancelled(uow: UnitOfWork, event: EventRecord, run: NoticeRun) -> None:
    visit = await _visit(uow, str(event.payload.get("booking_id")))
    if visit is None:
        return
    run.withdrawn += await withdraw(uow, [kind for kind, _ in REMINDERS], "the booking was cancelled",
                                    booking_id=visit.view.id)
    if event.payload.get("by") != "customer" and visit.view.starts_at > uow.clock.now():
        run.scheduled += await _queue(uow, visit, MessageKind.BOOKING_CANCELLED,
                                      _message("notice_cancelled", visit, [("intent:book", "btn_rebook")]),
                                      uow.clock.now(), dedupe=f"booking_cancelled:{visit.view.id}")


async def _rebook_days(uow: UnitOfWork, service_ids: list[uuid.UUID]) -> int:
    names = (await uow.session.scalars(select(ServiceCategory.name).join(
        Service, Service.category_id == ServiceCategory.id).where(Service.id.in_(service_ids)))).all()
    days = [next((d for word, d in REBOOK_AFTER_DAYS if word in name.lower()), REBOOK_DEFAULT_DAYS) for name in names]
    return min(days, default=REBOOK_DEFAULT_DAYS)


async def _completed(uow: UnitOfWork, event: EventRecord, run: NoticeRun) -> None:
    visit = await _visit(uow, str(event.payload.get("booking_id")))
    if visit is None or visit.view.status != "completed":
        return
    now = uow.clock.now()
    due = max(now, visit.view.ends_at) + FEEDBACK_AFTER
    body = _fill("feedback_ask", visit.language, visit.values())
    rows = [(f"rate:{visit.view.id}:{n}", reply_text(f"rate_{n}", visit.language), None) for n in (5, 4, 3, 2, 1)]
    run.scheduled += await _queue(uow, visit, MessageKind.FEEDBACK_REQUEST,
                                  out(rows_list(body, "ratings_button", rows, visit.language))[0], due,
                                  dedupe=f"feedback_request:{visit.view.id}", expires_at=due + FEEDBACK_VALID)
    if visit.customer.marketing_consent:  # consent and STOP exclude each other (a constraint on customers)
        days = await _rebook_days(uow, [item.service_id for item in visit.view.items])
        prompt_at = max(visit.view.starts_at + timedelta(days=days), due + timedelta(hours=1))
        prompt = _message("rebook_prompt", visit, [("intent:book", "btn_book"), ("intent:opt_out", "btn_no_thanks")])
        run.scheduled += await _queue(uow, visit, MessageKind.REBOOK_PROMPT, prompt, prompt_at,
                                      dedupe=f"rebook_prompt:{visit.view.id}")


HANDLERS = {"AppointmentBooked": _booked, "AppointmentRescheduled": _rescheduled,
            "AppointmentCancelled": _cancelled, "AppointmentCompleted": _completed}


async def _follow_ups(uow: UnitOfWork, run: NoticeRun) -> None:
    """One follow-up per conversation that stopped half-way through booking, while the window is open."""
    now = uow.clock.now()
    rows = await uow.session.execute(text("""
        SELECT DISTINCT ON (t.thread_id) t.thread_id, t.turn, t.customer_id, t.step, t.language, t.created_at
        FROM conversation_turns t
        WHERE t.created_at > :oldest
        ORDER BY t.thread_id, t.created_at DESC, t.turn DESC
    """), {"oldest": now - SERVICE_WINDOW})
    for thread, turn, customer_id, step, language, at in rows:
        if step not in ABANDONED_STEPS or at > now - ABANDONED_AFTER:
            continue
        customer = await uow.session.get(Customer, customer_id)
        if customer is None or customer.opted_out:
            continue
        booked_since = await uow.session.scalar(text(
            "SELECT 1 FROM domain_events WHERE name = 'AppointmentBooked' AND payload->>'customer_id' = :c "
            "AND occurred_at >= :at LIMIT 1"), {"c": str(customer_id), "at": at})
        if booked_since:
            continue
        lang = language_of(language)
        body = out(buttons(reply_text("abandoned_followup", lang), [
            ("intent:book", "btn_continue"), ("confirm:no", "btn_no_thanks")], lang))[0]
        created = await schedule(uow, Notice(
            customer_id=customer_id, kind=MessageKind.ABANDONED_BOOKING, dedupe_key=f"abandoned:{thread}:{turn}",
            language=lang, body=body, due_at=now, expires_at=at + SERVICE_WINDOW))
        run.follow_ups += created
        run.scheduled += created


async def run_notices(sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant_id: uuid.UUID, *,
                      limit: int = 200, follow_ups: bool = True) -> NoticeRun:
    """Handle up to ``limit`` of the salon's pending events and queue the follow-ups that are due."""
    run = NoticeRun()
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("notices"), clock=clock) as uow:
        events = await unhandled_events(uow, limit)
        for event in events:
            handler = HANDLERS.get(event.name)
            if handler is not None:
                await handler(uow, event, run)
        await mark_handled(uow, events)
        run.events = len(events)
        if follow_ups:
            await _follow_ups(uow, run)
        await uow.commit()
    return run
