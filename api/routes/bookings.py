"""Bookings under /api/v1: availability, holds, bookings and their changes, a customer's bookings, the waitlist.

Each route is a thin adapter over one tool (``tools/``): the body is the tool's input model, the answer its
output model, and the tool does the role checks, the unit of work and idempotency. Domain refusals become
problem documents (a taken slot: 409 with ``details.alternatives``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status

from api.deps import IdempotencyKey, ToolContextDep
from tools import booking_changes as changes
from tools import bookings as tools
from tools.base import run_tool
from tools.views import BookingList, BookingView, WaitlistView

router = APIRouter(prefix="/api/v1", tags=["bookings"])
_SLOT_TAKEN: dict[int | str, dict[str, Any]] = {409: {"description": (
    "The time is taken or the booking cannot change now; a taken slot's problem document lists alternatives "
    "in details.alternatives.")}}


@router.post("/availability", response_model=tools.Availability)
async def availability(body: tools.CheckAvailabilityInput, ctx: ToolContextDep) -> tools.Availability:
    """Free start times for services at a branch between two dates, with who would do each service."""
    return await run_tool(tools.check_availability, ctx, body)


@router.post("/holds", response_model=BookingView, status_code=status.HTTP_201_CREATED, responses=_SLOT_TAKEN)
async def hold(body: tools.HoldSlotInput, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """Hold a slot for a customer for a few minutes, until it is confirmed."""
    return await run_tool(tools.hold_slot, ctx, body, key)


@router.post("/bookings", response_model=BookingView, status_code=status.HTTP_201_CREATED, responses=_SLOT_TAKEN)
async def book(body: tools.BookAppointmentInput, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """Book a confirmed appointment straight away (staff only)."""
    return await run_tool(tools.book_appointment, ctx, body, key)


@router.post("/bookings/{booking_id}/confirm", response_model=BookingView, responses=_SLOT_TAKEN)
async def confirm(booking_id: uuid.UUID, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """Confirm a held booking."""
    return await run_tool(tools.confirm_booking, ctx, tools.BookingIdInput(booking_id=booking_id), key)


@router.post("/bookings/{booking_id}/reschedule", response_model=BookingView, responses=_SLOT_TAKEN)
async def reschedule(booking_id: uuid.UUID, body: changes.RescheduleChange, ctx: ToolContextDep,
                     key: IdempotencyKey = None) -> BookingView:
    """Move a booking to a new time."""
    data = changes.RescheduleBookingInput(booking_id=booking_id, **body.model_dump())
    return await run_tool(changes.reschedule_booking, ctx, data, key)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingView, responses=_SLOT_TAKEN)
async def cancel(booking_id: uuid.UUID, ctx: ToolContextDep,
                 body: Annotated[changes.CancelChange | None, Body()] = None,
                 key: IdempotencyKey = None) -> BookingView:
    """Cancel a booking or a hold."""
    reason = body.reason if body is not None else None
    return await run_tool(changes.cancel_booking, ctx, changes.CancelBookingInput(booking_id=booking_id,
                                                                                 reason=reason), key)


@router.post("/bookings/{booking_id}/check-in", response_model=BookingView, responses=_SLOT_TAKEN)
async def check_in(booking_id: uuid.UUID, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """The customer has arrived (staff only)."""
    return await run_tool(changes.check_in, ctx, tools.BookingIdInput(booking_id=booking_id), key)


@router.post("/bookings/{booking_id}/complete", response_model=BookingView, responses=_SLOT_TAKEN)
async def complete(booking_id: uuid.UUID, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """The services are done (staff only)."""
    return await run_tool(changes.complete_booking, ctx, tools.BookingIdInput(booking_id=booking_id), key)


@router.post("/bookings/{booking_id}/no-show", response_model=BookingView, responses=_SLOT_TAKEN)
async def no_show(booking_id: uuid.UUID, ctx: ToolContextDep, key: IdempotencyKey = None) -> BookingView:
    """The customer did not come (staff only, after the start time)."""
    return await run_tool(changes.mark_no_show, ctx, tools.BookingIdInput(booking_id=booking_id), key)


@router.get("/customers/{customer_id}/bookings", response_model=BookingList)
async def customer_bookings(customer_id: uuid.UUID, ctx: ToolContextDep,
                            include_past: Annotated[bool, Query(description=tools.ListBookingsInput.model_fields[
                                "include_past"].description)] = False) -> BookingList:
    """A customer's bookings, soonest first (a customer may read only their own)."""
    return await run_tool(tools.list_my_bookings, ctx,
                          tools.ListBookingsInput(customer_id=customer_id, include_past=include_past))


@router.post("/waitlist", response_model=WaitlistView, status_code=status.HTTP_201_CREATED)
async def waitlist(body: tools.JoinWaitlistInput, ctx: ToolContextDep, key: IdempotencyKey = None) -> WaitlistView:
    """Put a customer on the waitlist for a day."""
    return await run_tool(tools.join_waitlist, ctx, body, key)
