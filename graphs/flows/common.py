"""Pieces the flows share: how a booking's services, stylists, day and time read, the day question, time lists,
and the yes/no questions that change a booking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from graphs.deps import TurnDeps
from graphs.render import buttons, day_label, text, time_label
from tools.bookings import Slot
from tools.replies import Reply

# The questions a yes answers by changing a booking, and the buttons that answer each (yes first).
CONFIRMING: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "confirm_booking": (("confirm:yes", "btn_confirm"), ("confirm:no", "btn_cancel")),
    "confirm_cancel": (("confirm:yes", "btn_yes_cancel"), ("confirm:no", "btn_keep")),
    "confirm_move": (("confirm:yes", "btn_confirm"), ("confirm:no", "btn_keep")),
}


def services_of(items: Iterable[Any]) -> str:
    """"Beard trim + Head massage": the services of a booking or a free slot, in order."""
    return " + ".join(item.service for item in items)


def staff_of(items: Iterable[Any]) -> str:
    """"Imran, Rahul": the stylists' first names, each once, in order."""
    return ", ".join(dict.fromkeys(item.staff.split()[0] for item in items))


def when(moment: datetime, deps: TurnDeps, language: str) -> tuple[str, str]:
    """The day and the time of ``moment`` on the branch's wall clock, in the customer's language."""
    local = moment.astimezone(deps.salon.zone)
    return day_label(local.date(), language), time_label(local.time(), language)


def ask_day(deps: TurnDeps, language: str, service: str) -> Reply:
    """Which day: Today / Tomorrow / Day after buttons (``date:`` payloads), or type one."""
    today = deps.clock.now().astimezone(deps.salon.zone).date()
    days = (("btn_today", today), ("btn_tomorrow", today + timedelta(days=1)),
            ("btn_day_after", today + timedelta(days=2)))
    return buttons(text("ask_day_body", language, service=service),
                   [(f"date:{day.isoformat()}", key) for key, day in days], language)


def slot_rows(slots: Sequence[Slot], deps: TurnDeps, language: str, *, with_day: bool) -> tuple[
        list[tuple[str, str, str | None]], list[dict[str, Any]]]:
    """Up to ten free times as list rows (``slot:`` ids, the stylists as description) and the pending options."""
    rows: list[tuple[str, str, str | None]] = []
    options: list[dict[str, Any]] = []
    for slot in slots[:10]:
        day, at = when(slot.starts_at, deps, language)
        ident = f"slot:{slot.starts_at.isoformat()}"
        rows.append((ident, f"{day} {at}" if with_day else at, staff_of(slot.items)))
        options.append({"id": ident, "starts_at": slot.starts_at.isoformat()})
    return rows, options
