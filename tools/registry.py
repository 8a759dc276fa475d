"""Every tool, and the two lists a chat graph needs: tools that only read, and tools that change data (which
need the customer's explicit confirmation before they run)."""

from __future__ import annotations

from typing import Any

from tools.base import Tool
from tools.booking_changes import cancel_booking, check_in, complete_booking, mark_no_show, reschedule_booking
from tools.bookings import (
    book_appointment,
    check_availability,
    confirm_booking,
    hold_slot,
    join_waitlist,
    list_my_bookings,
)
from tools.catalog import search_services, service_details, suggest_addon
from tools.context import Role
from tools.feedback import comment_on_visit, rate_visit

ALL_TOOLS: tuple[Tool[Any, Any], ...] = (
    search_services, service_details, suggest_addon, check_availability, list_my_bookings, hold_slot, confirm_booking,
    book_appointment, reschedule_booking, cancel_booking, join_waitlist, check_in, complete_booking, mark_no_show,
    rate_visit, comment_on_visit,
)


def all_tools() -> list[Tool[Any, Any]]:
    return list(ALL_TOOLS)


def read_only_tools() -> list[Tool[Any, Any]]:
    return [tool for tool in ALL_TOOLS if not tool.mutates]


def mutating_tools() -> list[Tool[Any, Any]]:
    return [tool for tool in ALL_TOOLS if tool.mutates]


def tools_for(role: Role) -> list[Tool[Any, Any]]:
    """The tools a caller in ``role`` may use (so a customer's model is never offered staff-only ones)."""
    return [tool for tool in ALL_TOOLS if role in tool.roles]


def tool_named(name: str) -> Tool[Any, Any]:
    for tool in ALL_TOOLS:
        if tool.name == name:
            return tool
    raise KeyError(name)
