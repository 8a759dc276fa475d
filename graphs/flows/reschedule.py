"""Moving a booking: which one (asked only when there are several), the new day and time, then a yes.

Running late ("20 mins late", "thoda late ho jaunga") moves today's next booking by that much, rounded up to the
quarter hour, when that time is free; otherwise the nearest free times that day are offered.

The new time comes from ``check_availability`` for the booking's own services; the move itself is
``reschedule_booking`` after the customer's explicit yes, with an idempotency key per booking and time, so a
re-run turn never moves twice. The booking rules (how close to the start a customer may still move) are the
tool's, and its refusal is passed on in its own words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from graphs.deps import TurnDeps
from graphs.flows.account import upcoming
from graphs.flows.common import ask_day, services_of, slot_rows, staff_of, when
from graphs.render import buttons, day_label, language_of, out, rows_list, say, text
from graphs.state import Conversation, Moving, Pending
from tools.base import ToolError, call_tool
from tools.booking_changes import reschedule_booking
from tools.bookings import check_availability
from tools.replies import TextReply
from tools.views import BookingView


def _moving(state: Conversation, slots: dict[str, Any]) -> Moving:
    moving = Moving(**(state.get("moving") or {}))
    if slots.get("appointment_id"):
        moving = Moving(booking_id=str(slots["appointment_id"]))
    if slots.get("date"):
        moving["date"] = str(slots["date"])
    if slots.get("time"):
        moving["time"] = str(slots["time"])
    return moving


def _label(view: BookingView, deps: TurnDeps, language: str) -> tuple[str, str, str]:
    return (services_of(view.items), *when(view.starts_at, deps, language))


async def reschedule(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    slots: dict[str, Any] = (state.get("understanding") or {}).get("slots") or {}
    moving = _moving(state, slots)
    bookings = await upcoming(deps)
    if moving.get("booking_id"):
        bookings = [b for b in bookings if str(b.id) == moving["booking_id"]]
    delay = slots.get("delay_min")
    if delay and bookings and not moving.get("booking_id"):
        # Running late: the customer's next booking today, moved by the delay (rounded up to the quarter hour).
        now = deps.clock.now()
        todays = [b for b in bookings if b.starts_at.astimezone(deps.salon.zone).date()
                  == now.astimezone(deps.salon.zone).date() and b.starts_at > now - timedelta(hours=1)]
        if todays:
            nearest = min(todays, key=lambda b: b.starts_at)
            later = (nearest.starts_at + timedelta(minutes=-(-int(delay) // 15) * 15)).astimezone(deps.salon.zone)
            bookings = [nearest]
            moving = Moving(booking_id=str(nearest.id), date=later.date().isoformat(),
                            time=later.strftime("%H:%M"))
    if not bookings:
        return {"outbox": out(buttons(text("no_bookings", language), [("intent:book", "btn_book")], language)),
                "moving": None, "pending": None, "flow": "reschedule"}
    if len(bookings) > 1:
        rows: list[tuple[str, str, str | None]] = []
        for view in bookings[:10]:
            what, on, at = _label(view, deps, language)
            rows.append((f"appt:{view.id}", f"{on} {at}", what))
        return {"outbox": out(rows_list(text("ask_which_booking", language), "menu_button", rows, language)),
                "moving": moving, "pending": Pending(kind="choose_booking", options=[{"id": r[0]} for r in rows]),
                "flow": "reschedule"}
    booking = bookings[0]
    moving["booking_id"] = str(booking.id)
    service, _, _ = _label(booking, deps, language)
    if slots.get("start"):  # a new time tapped from the list
        return _ask_to_move(booking, str(slots["start"]), moving, deps, language)
    if not moving.get("date"):
        return {"outbox": out(ask_day(deps, language, service)), "moving": moving, "pending": None,
                "flow": "reschedule"}
    day = date.fromisoformat(moving["date"])  # type: ignore[arg-type]
    found = await call_tool(check_availability, deps.tool_context(), {
        "service_ids": [str(item.service_id) for item in booking.items], "from_date": day.isoformat(), "limit": 50})
    if isinstance(found, ToolError):
        return {"outbox": out(TextReply(found.message)), "moving": moving, "pending": None, "flow": "reschedule"}
    if moving.get("time"):
        match = next((s for s in found.slots
                      if s.starts_at.astimezone(deps.salon.zone).strftime("%H:%M") == moving["time"]), None)
        if match is not None:
            return _ask_to_move(booking, match.starts_at.isoformat(), moving, deps, language)
    if not found.slots:
        return {"outbox": out(say("move_no_slots", language, service=service, day=day_label(day, language))),
                "moving": Moving(booking_id=moving["booking_id"]), "pending": None, "flow": "reschedule"}
    rows, options = slot_rows(found.slots, deps, language, with_day=False)
    intro = text("offer_slots", language, service=service, day=day_label(day, language))
    return {"outbox": out(rows_list(intro, "times_button", rows, language)), "moving": moving,
            "pending": Pending(kind="choose_slot", options=options), "flow": "reschedule"}


def _ask_to_move(booking: BookingView, starts_at: str, moving: Moving, deps: TurnDeps,
                 language: str) -> dict[str, Any]:
    service, old_day, old_time = _label(booking, deps, language)
    day, at = when(datetime.fromisoformat(starts_at), deps, language)
    body = text("move_confirm", language, service=service, old_day=old_day, old_time=old_time, day=day, time=at)
    moving["starts_at"] = starts_at
    return {"outbox": out(buttons(body, [("confirm:yes", "btn_confirm"), ("confirm:no", "btn_keep")], language)),
            "moving": moving, "pending": Pending(kind="confirm_move", booking_id=str(booking.id)),
            "flow": "reschedule"}


async def confirm_move(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    moving = state.get("moving") or Moving()
    intent = (state.get("understanding") or {}).get("intent")
    if intent != "affirm" or not moving.get("booking_id") or not moving.get("starts_at"):
        return {"outbox": out(say("kept", language)), "moving": None, "pending": None, "flow": "confirm_move"}
    booking_id, starts_at = moving["booking_id"], moving["starts_at"]
    moved = await call_tool(reschedule_booking, deps.tool_context(), {"booking_id": booking_id,
                                                                     "starts_at": starts_at},
                            idempotency_key=deps.idempotency_key("move", booking_id, starts_at))
    if isinstance(moved, ToolError):
        return {"outbox": out(TextReply(moved.message)), "moving": None, "pending": None, "flow": "confirm_move"}
    service, day, at = _label(moved, deps, language)
    return {"outbox": out(say("rescheduled", language, service=service, day=day, time=at,
                              staff=staff_of(moved.items))),
            "moving": None, "pending": None, "flow": "confirm_move"}
