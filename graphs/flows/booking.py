"""Booking in as few messages as a good receptionist: collect service, day and time, hold, confirm with a tap.

Every time offered comes from ``check_availability`` and every held time from ``hold_slot``: the bot never invents
a free slot or a price. A customer who names service, day and a free time in one message gets the summary with a
Confirm button straight away; what is missing is asked for, one thing at a time, with buttons or a list. A change
of mind while a time is held ("actually 6", "no, Friday") releases the hold and goes on from the new details.
Holds and confirmations carry idempotency keys made from the thread and the turn, so a turn re-run after a crash
does not hold twice or confirm twice.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from langgraph.runtime import Runtime

from graphs.deps import TurnDeps
from graphs.flows.common import ask_day, services_of, slot_rows, staff_of, when
from graphs.render import (
    buttons,
    day_label,
    labelled_buttons,
    language_of,
    out,
    price_label,
    rows_list,
    say,
    text,
    time_label,
)
from graphs.state import Conversation, Draft, Pending
from tools.base import ToolError, call_tool
from tools.booking_changes import cancel_booking
from tools.bookings import Availability, Slot, check_availability, confirm_booking, hold_slot
from tools.catalog import AddonSuggestion, suggest_addon
from tools.replies import Reply, TextReply
from tools.views import BookingView

SEARCH_DAYS = 7  # when the asked day is full, look this many days ahead


def _draft(state: Conversation) -> Draft:
    return Draft(**(state.get("draft") or {}))


async def _release(deps: TurnDeps, pending: Pending | None) -> None:
    """Give back a held time the customer is changing (a no-op when nothing is held)."""
    if pending and pending.get("kind") == "confirm_booking" and pending.get("booking_id"):
        await call_tool(cancel_booking, deps.tool_context(), {"booking_id": pending["booking_id"],
                                                              "reason": "changed before confirming"})


def _merge(draft: Draft, slots: dict[str, Any]) -> tuple[Draft, list[dict[str, Any]] | None]:
    """The draft with this message's details; and the candidates of a service word that fits several."""
    if slots.get("service_id"):
        draft["service_ids"] = [str(slots["service_id"])]
    resolved = [str(m["id"]) for m in slots.get("services") or [] if m.get("id")]
    unresolved = [m for m in slots.get("services") or [] if not m.get("id") and m.get("candidates")]
    cart = slots.get("cart")
    if resolved and cart == "add":  # the cart (UC-BOT-012): add to what is being booked, once each
        draft["service_ids"] = list(dict.fromkeys([*(draft.get("service_ids") or []), *resolved]))
    elif resolved and cart == "remove":
        draft["service_ids"] = [sid for sid in draft.get("service_ids") or [] if sid not in resolved]
    elif resolved:
        draft["service_ids"] = resolved
    if slots.get("date"):
        draft["date"] = str(slots["date"])
    if slots.get("time"):
        draft["time"] = str(slots["time"])
    if slots.get("staff") and slots["staff"].get("id"):
        draft["staff_id"] = str(slots["staff"]["id"])
    ask = unresolved[0]["candidates"] if unresolved and not resolved else None
    return draft, ask


def _services_label(deps: TurnDeps, service_ids: list[str]) -> str:
    return " + ".join(deps.service_name(sid) for sid in service_ids)


async def _search(deps: TurnDeps, draft: Draft, first: date, days: int) -> Availability | ToolError:
    return await call_tool(check_availability, deps.tool_context(), {
        "service_ids": draft["service_ids"], "from_date": first.isoformat(),
        "to_date": (first + timedelta(days=days - 1)).isoformat(), "staff_id": draft.get("staff_id"), "limit": 50})


def _confirm_reply(view: BookingView, deps: TurnDeps, language: str, addon: AddonSuggestion | None = None) -> Reply:
    day, at = when(view.starts_at, deps, language)
    body = text("confirm_summary", language, service=services_of(view.items), staff=staff_of(view.items), day=day,
                time=at, price=view.total_price)
    if addon is not None and addon.service_id is not None and addon.name and addon.price:
        # UC-BOT-033: one add-on that customers often book with this, offered once; Confirm stays the first button.
        body += "\n\n" + text("upsell", language, addon=addon.name, price=addon.price, minutes=addon.duration_min,
                               service=services_of(view.items))
        return labelled_buttons(body, [("confirm:yes", text("btn_confirm", language)),
                                       (f"add:{addon.service_id}", text("btn_add", language, addon=addon.name)),
                                       ("confirm:no", text("btn_cancel", language))])
    return buttons(body, [("confirm:yes", "btn_confirm"), ("intent:availability", "btn_change"),
                          ("confirm:no", "btn_cancel")], language)


ADDON_CACHE_S = 600.0  # what customers book together changes over weeks; ask the database every ten minutes
_addons: dict[tuple[str, str], tuple[float, AddonSuggestion | None]] = {}


async def _addon(deps: TurnDeps, draft: Draft) -> AddonSuggestion | None:
    """An add-on to offer with a single-service booking, once per booking; None otherwise."""
    if draft.get("upsold") or len(draft.get("service_ids") or []) != 1:
        return None
    draft["upsold"] = True
    key = (str(deps.tenant_id), draft["service_ids"][0])
    cached = _addons.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = await call_tool(suggest_addon, deps.tool_context(), {"service_ids": draft["service_ids"]})
    if isinstance(found, ToolError):
        return None
    suggestion = None if found.service_id is None else found
    _addons[key] = (time.monotonic() + ADDON_CACHE_S, suggestion)
    return suggestion


async def _hold(state: Conversation, deps: TurnDeps, draft: Draft, starts_at: str, language: str) -> dict[str, Any]:
    key = deps.idempotency_key("hold", state.get("turns", 0))
    held = await call_tool(hold_slot, deps.tool_context(), {
        "service_ids": draft["service_ids"], "starts_at": starts_at, "staff_id": draft.get("staff_id")},
        idempotency_key=key)
    if isinstance(held, ToolError):
        alternatives = held.details.get("alternatives") or []
        if not alternatives:
            return {"outbox": out(say("no_slots_at_all", language, service=_services_label(deps, draft["service_ids"]),
                                      days=SEARCH_DAYS)), "draft": draft, "pending": None, "flow": "book",
                    "outcome": "no_slots"}
        moment = datetime.fromisoformat(starts_at).astimezone(deps.salon.zone)
        slots = Availability.model_validate({"branch_id": str(deps.branch_id), "timezone": str(deps.salon.zone),
                                             "slots": alternatives}).slots
        rows, options = slot_rows(slots, deps, language, with_day=True)
        body = text("slot_taken", language, time=time_label(moment.time(), language))
        return {"outbox": out(rows_list(body, "times_button", rows, language)), "draft": draft,
                "pending": Pending(kind="choose_slot", options=options), "flow": "book", "outcome": "slot_taken"}
    addon = await _addon(deps, draft)
    return {"outbox": out(_confirm_reply(held, deps, language, addon)), "draft": draft,
            "pending": Pending(kind="confirm_booking", booking_id=str(held.id), starts_at=held.starts_at.isoformat()),
            "flow": "book", "outcome": "held"}


async def book(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    slots: dict[str, Any] = (state.get("understanding") or {}).get("slots") or {}
    pending = state.get("pending")
    await _release(deps, pending)
    draft, ask = _merge(_draft(state), slots)
    if slots.get("add_service_id"):  # "Add head massage" on the summary: the same start, one more service
        added = str(slots["add_service_id"])
        draft["service_ids"] = [*[sid for sid in draft.get("service_ids") or [] if sid != added], added]
        draft["upsold"] = True
    held_at = pending.get("starts_at") if pending and pending.get("kind") == "confirm_booking" else None
    if held_at and draft.get("service_ids") and (slots.get("add_service_id") or slots.get("cart")):
        return await _hold(state, deps, draft, str(held_at), language)  # the same start with the new services
    if ask:  # "haircut": men's, women's or kids'?
        options = [{"id": f"svc:{c['id']}", "name": c["name"]} for c in ask]
        body = text("ask_which_of", language, options=", ".join(c["name"] for c in ask))
        rows: list[tuple[str, str, str | None]] = [
            (o["id"], o["name"], price_label(deps.snapshot.prices.get(o["id"][4:], (0, 0))[0])) for o in options]
        return {"outbox": out(rows_list(body, "services_button", rows, language)), "draft": draft,
                "pending": Pending(kind="choose_service", options=options), "flow": "book", "outcome": "asked"}
    if not draft.get("service_ids"):
        services = deps.snapshot.services[:10]
        rows = [(f"svc:{sid}", name, price_label(deps.snapshot.prices.get(sid, (0, 0))[0]))
                for sid, name, _ in services]
        return {"outbox": out(rows_list(text("ask_service", language), "services_button", rows, language)),
                "draft": draft, "pending": Pending(kind="choose_service", options=[{"id": r[0]} for r in rows]),
                "flow": "book", "outcome": "asked"}
    if slots.get("start"):  # a time picked from the list we offered
        return await _hold(state, deps, draft, str(slots["start"]), language)
    service = _services_label(deps, draft["service_ids"])
    if not draft.get("date"):
        return {"outbox": out(ask_day(deps, language, service)), "draft": draft, "pending": None, "flow": "book",
                "step": "ask_day", "outcome": "asked"}
    day = date.fromisoformat(str(draft["date"]))
    # One search from the day over the next SEARCH_DAYS: the day's own times come first (a day has fewer starts
    # than the limit), and a full day needs no second query for the days after it.
    searched = await _search(deps, draft, day, SEARCH_DAYS + 1)
    if isinstance(searched, ToolError):
        return {"outbox": out(TextReply(searched.message)), "draft": draft, "pending": None, "flow": "book"}
    found = searched.model_copy(update={"slots": [
        slot for slot in searched.slots if slot.starts_at.astimezone(deps.salon.zone).date() == day]})
    if draft.get("time"):
        wanted = str(draft["time"])
        match = next((slot for slot in found.slots
                      if slot.starts_at.astimezone(deps.salon.zone).strftime("%H:%M") == wanted), None)
        if match is not None:
            return await _hold(state, deps, draft, match.starts_at.isoformat(), language)
    slots_found = found.slots
    intro = text("offer_slots", language, service=service, day=day_label(day, language))
    if not slots_found:
        later = searched.model_copy(update={"slots": [
            slot for slot in searched.slots if slot.starts_at.astimezone(deps.salon.zone).date() > day]})
        if not later.slots:
            return {"outbox": out(say("no_slots_at_all", language, service=service, days=SEARCH_DAYS),),
                    "draft": draft, "pending": None, "flow": "book", "outcome": "no_slots"}
        rows, options = slot_rows(later.slots, deps, language, with_day=True)
        intro = text("no_slots_that_day", language, service=service, day=day_label(day, language))
    else:
        if draft.get("time"):  # the asked time is not free: the nearest ones to it, in time order
            asked = datetime.strptime(str(draft["time"]), "%H:%M").time()
            minutes = asked.hour * 60 + asked.minute

            def distance(slot: Slot) -> int:
                local = slot.starts_at.astimezone(deps.salon.zone)
                return abs(local.hour * 60 + local.minute - minutes)

            slots_found = sorted(sorted(slots_found, key=distance)[:10], key=lambda slot: slot.starts_at)
            intro = text("slot_taken", language, time=time_label(asked, language))
        rows, options = slot_rows(slots_found, deps, language, with_day=False)
    return {"outbox": out(rows_list(intro, "times_button", rows, language)), "draft": draft,
            "pending": Pending(kind="choose_slot", options=options), "flow": "book", "outcome": "asked"}


async def confirm(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    """The answer to "Shall I book it?": yes confirms the held booking, no releases it."""
    deps = runtime.context
    language = language_of(state.get("language"))
    pending = state.get("pending") or Pending()
    booking_id = pending.get("booking_id")
    intent = (state.get("understanding") or {}).get("intent")
    if intent != "affirm" or not booking_id:
        await _release(deps, pending)
        return {"outbox": out(say("not_booked", language)), "draft": Draft(), "pending": None, "flow": "confirm",
                "outcome": "not_booked"}
    done = await call_tool(confirm_booking, deps.tool_context(), {"booking_id": booking_id},
                           idempotency_key=deps.idempotency_key("confirm", booking_id))
    if isinstance(done, ToolError):  # the hold lapsed: offer what is free now
        draft = _draft(state)
        draft["time"] = None
        again = await book({**state, "pending": None, "draft": draft,
                            "understanding": {"slots": {}}}, runtime)
        return {**again, "outbox": out(say("hold_expired", language)) + again["outbox"], "flow": "confirm",
                "outcome": "hold_expired"}
    day, at = when(done.starts_at, deps, language)
    reply = say("booked", language, service=services_of(done.items), staff=staff_of(done.items), day=day, time=at,
                branch=deps.branch_name)
    return {"outbox": out(reply), "draft": Draft(), "pending": None, "flow": "confirm", "outcome": "booked"}
