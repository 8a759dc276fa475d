"""The customer's own bookings and consent: what is booked, cancelling one (with an offer to rebook), STOP/START."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from domain.services.customers import opt_in, opt_out
from domain.uow import Actor, UnitOfWork
from graphs.deps import TurnDeps
from graphs.flows.common import services_of, staff_of, when
from graphs.render import buttons, language_of, out, rows_list, say, text
from graphs.state import Conversation, Pending
from tools.base import ToolError, call_tool
from tools.booking_changes import cancel_booking
from tools.bookings import list_my_bookings
from tools.replies import TextReply
from tools.views import BookingView


async def upcoming(deps: TurnDeps) -> list[BookingView]:
    found = await call_tool(list_my_bookings, deps.tool_context(), {})
    if isinstance(found, ToolError):
        return []
    return [b for b in found.bookings if b.status in ("confirmed", "checked_in")]


async def my_bookings(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    bookings = await upcoming(deps)
    if not bookings:
        return {"outbox": out(buttons(text("no_bookings", language), [("intent:book", "btn_book")], language)),
                "pending": None, "flow": "my_bookings"}
    lines = []
    for view in bookings:
        day, at = when(view.starts_at, deps, language)
        lines.append(f"• {day}, {at}: {services_of(view.items)} ({staff_of(view.items)})")
    return {"outbox": out(say("my_bookings", language, lines="\n".join(lines))), "pending": None,
            "flow": "my_bookings"}


def _ask_cancel(view: BookingView, deps: TurnDeps, language: str) -> dict[str, Any]:
    day, at = when(view.starts_at, deps, language)
    body = text("cancel_confirm", language, service=services_of(view.items), day=day, time=at)
    return {"outbox": out(buttons(body, [("confirm:yes", "btn_yes_cancel"), ("confirm:no", "btn_keep")], language)),
            "pending": Pending(kind="confirm_cancel", booking_id=str(view.id)), "flow": "cancel"}


async def cancel(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    """Which booking (asked only when there are several), then an explicit yes before anything is cancelled."""
    deps = runtime.context
    language = language_of(state.get("language"))
    slots: dict[str, Any] = (state.get("understanding") or {}).get("slots") or {}
    bookings = await upcoming(deps)
    chosen = slots.get("appointment_id")
    if chosen:
        bookings = [b for b in bookings if str(b.id) == str(chosen)]
    elif slots.get("date") and len(bookings) > 1:
        same_day = [b for b in bookings if b.starts_at.astimezone(deps.salon.zone).date().isoformat() == slots["date"]]
        bookings = same_day or bookings
    if not bookings:
        return {"outbox": out(buttons(text("no_bookings", language), [("intent:book", "btn_book")], language)),
                "pending": None, "flow": "cancel"}
    if len(bookings) == 1:
        return _ask_cancel(bookings[0], deps, language)
    rows = []
    for view in bookings[:10]:
        day, at = when(view.starts_at, deps, language)
        rows.append((f"appt:{view.id}", f"{day} {at}", services_of(view.items)))
    return {"outbox": out(rows_list(text("ask_which_booking", language), "menu_button", rows, language)),
            "pending": Pending(kind="choose_booking", options=[{"id": r[0]} for r in rows]), "flow": "cancel"}


async def confirm_cancel(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    pending = state.get("pending") or Pending()
    intent = (state.get("understanding") or {}).get("intent")
    if intent != "affirm" or not pending.get("booking_id"):
        return {"outbox": out(say("kept", language)), "pending": None, "flow": "confirm_cancel"}
    done = await call_tool(cancel_booking, deps.tool_context(), {"booking_id": pending["booking_id"]},
                           idempotency_key=deps.idempotency_key("cancel", pending["booking_id"]))
    if isinstance(done, ToolError):  # e.g. inside the cancellation window: the rule's own words
        return {"outbox": out(TextReply(done.message) if done.message else say("rephrase", language)),
                "pending": None, "flow": "confirm_cancel"}
    day, at = when(done.starts_at, deps, language)
    body = text("cancelled", language, service=services_of(done.items), day=day, time=at)
    return {"outbox": out(buttons(body, [("intent:book", "btn_rebook")], language)), "pending": None,
            "draft": {"service_ids": [str(item.service_id) for item in done.items]}, "flow": "confirm_cancel"}


async def consent(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    """STOP withdraws consent (marketing with it); START lets messages resume. Recorded with time and source."""
    deps = runtime.context
    language = language_of(state.get("language"))
    stop = (state.get("understanding") or {}).get("intent") == "opt_out"
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor("customer", str(deps.customer_id)),
                          clock=deps.clock) as uow:
        await (opt_out if stop else opt_in)(deps.customer_id, "whatsapp", uow)
        await uow.commit()
    key = "opted_out" if stop else "opted_in"
    reply = say(key, language) if stop else say(key, language, salon=deps.snapshot.name)
    return {"outbox": out(reply), "pending": None, "flow": "consent"}
