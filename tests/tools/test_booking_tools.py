"""The booking tools: who may call what, and identity always from the context, never from the arguments."""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta
from typing import Any

import pytest

from domain.clock import FixedClock
from domain.errors import InvalidInput, PermissionDenied, PolicyViolation, SlotUnavailable
from tests.scheduling_salon import FRIDAY, Studio
from tests.tools.conftest import ContextFor
from tools import booking_changes as changes
from tools import bookings as tools
from tools.base import Tool, run_tool
from tools.context import ToolContext
from tools.views import BookingView

WEDNESDAY = FRIDAY - timedelta(days=2)  # the clock's day; it stands at 12:00


async def desk_books(salon: Studio, ctx: ToolContext, customer_id: uuid.UUID, hour: int, minute: int = 0, *,
                     day: date = FRIDAY, staff: uuid.UUID | None = None) -> BookingView:
    return await run_tool(tools.book_appointment, ctx, {
        "service_ids": [str(salon.haircut.id)], "starts_at": salon.at(day, hour, minute).isoformat(),
        "customer_id": str(customer_id), "staff_id": str(staff) if staff else None})


async def test_availability_lists_utc_starts_with_the_branch_wall_clock(salon: Studio,
                                                                      context_for: ContextFor) -> None:
    found = await run_tool(tools.check_availability, context_for(salon.riya), {
        "service_ids": [str(salon.haircut.id)], "from_date": FRIDAY.isoformat(), "limit": 3})
    first = found.slots[0]
    assert first.starts_at == salon.at(FRIDAY, 10).astimezone(UTC)
    assert first.local_time == "Fri 27 Nov 2026 10:00" and found.timezone == "Asia/Kolkata"
    assert first.items[0].staff in {"Asha", "Vikram"} and len(found.slots) == 3


async def test_a_customer_holds_and_confirms_a_slot_for_themselves(salon: Studio, context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    held = await run_tool(tools.hold_slot, ctx, {"service_ids": [str(salon.haircut.id)],
                                                 "starts_at": salon.at(FRIDAY, 11).isoformat()})
    assert held.status == "held" and held.customer_id == salon.riya.id and held.hold_expires_at is not None
    assert held.local_time == "Fri 27 Nov 2026 11:00" and held.total_price == "₹500"
    confirmed = await run_tool(tools.confirm_booking, ctx, {"booking_id": str(held.id)})
    assert confirmed.status == "confirmed" and confirmed.hold_expires_at is None


async def test_a_customer_cannot_book_for_someone_else(salon: Studio, context_for: ContextFor) -> None:
    with pytest.raises(PermissionDenied):
        await run_tool(tools.hold_slot, context_for(salon.riya), {
            "service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, 11).isoformat(),
            "customer_id": str(salon.kabir.id)})
    kabirs = await run_tool(tools.list_my_bookings, context_for(salon.kabir), {})
    assert kabirs.bookings == []


@pytest.mark.parametrize("tool", [tools.book_appointment, changes.check_in, changes.complete_booking,
                                  changes.mark_no_show], ids=lambda tool: tool.name)
async def test_a_customer_cannot_call_staff_only_tools(salon: Studio, context_for: ContextFor,
                                                       tool: Tool[Any, Any]) -> None:
    booking = await desk_books(salon, context_for(), salon.riya.id, 11)
    payload = {"service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, 12).isoformat()} \
        if tool is tools.book_appointment else {"booking_id": str(booking.id)}
    with pytest.raises(PermissionDenied, match="customer cannot use"):
        await run_tool(tool, context_for(salon.riya), payload)


async def test_staff_must_say_which_customer_a_booking_is_for(salon: Studio, context_for: ContextFor) -> None:
    with pytest.raises(InvalidInput, match="which customer"):
        await run_tool(tools.hold_slot, context_for(), {"service_ids": [str(salon.haircut.id)],
                                                        "starts_at": salon.at(FRIDAY, 11).isoformat()})


async def test_a_customers_list_shows_only_their_own_bookings(salon: Studio, context_for: ContextFor) -> None:
    desk = context_for()
    riyas = await desk_books(salon, desk, salon.riya.id, 11)
    await desk_books(salon, desk, salon.kabir.id, 12)
    mine = await run_tool(tools.list_my_bookings, context_for(salon.riya), {})
    assert [booking.id for booking in mine.bookings] == [riyas.id]
    with pytest.raises(PermissionDenied):
        await run_tool(tools.list_my_bookings, context_for(salon.riya), {"customer_id": str(salon.kabir.id)})
    kabirs = await run_tool(tools.list_my_bookings, desk, {"customer_id": str(salon.kabir.id)})
    assert [booking.customer_id for booking in kabirs.bookings] == [salon.kabir.id]


async def test_a_customer_cannot_cancel_someone_elses_booking(salon: Studio, context_for: ContextFor) -> None:
    kabirs = await desk_books(salon, context_for(), salon.kabir.id, 11)
    for tool, extra in ((changes.cancel_booking, {}), (tools.confirm_booking, {}),
                        (changes.reschedule_booking, {"starts_at": salon.at(FRIDAY, 15).isoformat()})):
        with pytest.raises(PermissionDenied):
            await run_tool(tool, context_for(salon.riya), {"booking_id": str(kabirs.id), **extra})
    still = await run_tool(tools.list_my_bookings, context_for(salon.kabir), {})
    assert [(b.status, b.starts_at) for b in still.bookings] == [("confirmed", kabirs.starts_at)]


async def test_a_customer_is_held_to_the_cancellation_window_but_the_desk_is_not(
        salon: Studio, context_for: ContextFor) -> None:
    soon = await desk_books(salon, context_for(), salon.riya.id, 13, 30, day=WEDNESDAY)
    with pytest.raises(PolicyViolation, match="call the salon"):
        await run_tool(changes.cancel_booking, context_for(salon.riya), {"booking_id": str(soon.id)})
    cancelled = await run_tool(changes.cancel_booking, context_for(), {"booking_id": str(soon.id),
                                                                       "reason": "called in"})
    assert cancelled.status == "cancelled"


async def test_a_customer_moves_their_booking_to_another_free_time(salon: Studio, context_for: ContextFor) -> None:
    booking = await desk_books(salon, context_for(), salon.riya.id, 11)
    moved = await run_tool(changes.reschedule_booking, context_for(salon.riya), {
        "booking_id": str(booking.id), "starts_at": salon.at(FRIDAY, 16).isoformat()})
    assert moved.id == booking.id and moved.local_time == "Fri 27 Nov 2026 16:00" and moved.reschedule_count == 1


async def test_the_desk_checks_in_completes_and_marks_no_shows(salon: Studio, context_for: ContextFor,
                                                              clock: FixedClock) -> None:
    desk = context_for(role="stylist")
    came = await desk_books(salon, desk, salon.riya.id, 13, 30, day=WEDNESDAY)
    missed = await desk_books(salon, desk, salon.kabir.id, 13, 30, day=WEDNESDAY)
    assert (await run_tool(changes.check_in, desk, {"booking_id": str(came.id)})).status == "checked_in"
    assert (await run_tool(changes.complete_booking, desk, {"booking_id": str(came.id)})).status == "completed"
    with pytest.raises(PolicyViolation):
        await run_tool(changes.mark_no_show, desk, {"booking_id": str(missed.id)})
    clock.advance(timedelta(hours=2))
    assert (await run_tool(changes.mark_no_show, desk, {"booking_id": str(missed.id)})).status == "no_show"


async def test_a_taken_slot_is_refused_with_alternatives(salon: Studio, context_for: ContextFor) -> None:
    await desk_books(salon, context_for(), salon.kabir.id, 11, staff=salon.asha.id)
    with pytest.raises(SlotUnavailable) as refused:
        await run_tool(tools.hold_slot, context_for(salon.riya), {
            "service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, 11).isoformat(),
            "staff_id": str(salon.asha.id)})
    kinds = {option["kind"] for option in refused.value.details["alternatives"]}
    assert {"earlier_same_day", "later_same_day", "other_staff"} <= kinds


async def test_a_customer_joins_the_waitlist_as_themselves(salon: Studio, context_for: ContextFor) -> None:
    entry = await run_tool(tools.join_waitlist, context_for(salon.riya), {
        "day": FRIDAY.isoformat(), "service_ids": [str(salon.colour.id)]})
    assert (entry.customer_id, entry.status, entry.day, entry.branch_id) == \
        (salon.riya.id, "waiting", FRIDAY, salon.branch_id)


async def test_invalid_arguments_are_an_invalid_input_error(salon: Studio, context_for: ContextFor) -> None:
    with pytest.raises(InvalidInput) as refused:
        await run_tool(tools.hold_slot, context_for(salon.riya), {"service_ids": [],
                                                                  "starts_at": "2026-11-27T11:00:00"})
    assert {tuple(error["loc"]) for error in refused.value.details["errors"]} == {("service_ids",), ("starts_at",)}
