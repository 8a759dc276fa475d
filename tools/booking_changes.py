"""Tools that change an existing booking: reschedule, cancel, and the front desk's check in, complete, no-show.

A customer may only touch their own bookings, and the salon's cancellation window applies to them; staff may
act on anyone's booking and are not held to the window (the domain decides, from ``ctx.changed_by``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from pydantic import AwareDatetime, BaseModel, Field

from domain.models import Booking
from domain.scheduling import bookings as engine
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.bookings import BookingIdInput, owned_booking, staff_field
from tools.context import EVERYONE, STAFF_ROLES, ToolContext
from tools.views import BookingView, booking_view


class RescheduleChange(BaseModel):
    """The change itself (the REST body); the booking comes from the path there."""

    starts_at: AwareDatetime = Field(description="The new start, exactly as check_availability returned it.")
    staff_id: uuid.UUID | None = staff_field()


class RescheduleBookingInput(RescheduleChange):
    booking_id: uuid.UUID = Field(description="The booking to move, from list_my_bookings.")


async def _reschedule(ctx: ToolContext, data: RescheduleBookingInput, uow: UnitOfWork) -> BookingView:
    await owned_booking(ctx, data.booking_id, uow)
    moved = await engine.reschedule(data.booking_id, data.starts_at, uow, by=ctx.changed_by, staff_id=data.staff_id)
    return await booking_view(moved, uow)


reschedule_booking = Tool(
    name="reschedule_booking",
    description=("Move a booking to a new time (check_availability first). The same services stay; the stylist "
                 "may change unless staff_id is given. Refused close to the start time for customers; if the new "
                 "time is taken the answer lists alternatives."),
    input_model=RescheduleBookingInput, output_model=BookingView, handler=_reschedule, mutates=True,
    roles=EVERYONE)


class CancelChange(BaseModel):
    reason: str | None = Field(default=None, max_length=500, description="Why, in the customer's words, if given.")


class CancelBookingInput(CancelChange):
    booking_id: uuid.UUID = Field(description="The booking to cancel, from list_my_bookings.")


async def _cancel(ctx: ToolContext, data: CancelBookingInput, uow: UnitOfWork) -> BookingView:
    await owned_booking(ctx, data.booking_id, uow)
    cancelled = await engine.cancel(data.booking_id, uow, by=ctx.changed_by, reason=data.reason)
    return await booking_view(cancelled, uow)


cancel_booking = Tool(
    name="cancel_booking",
    description=("Cancel a booking or a hold. Ask the customer to confirm first. Refused close to the start time "
                 "for customers (they must call the salon)."),
    input_model=CancelBookingInput, output_model=BookingView, handler=_cancel, mutates=True, roles=EVERYONE)


def _front_desk(verb: Callable[[uuid.UUID, UnitOfWork], Awaitable[Booking]]) \
        -> Callable[[ToolContext, BookingIdInput, UnitOfWork], Awaitable[BookingView]]:
    async def handler(ctx: ToolContext, data: BookingIdInput, uow: UnitOfWork) -> BookingView:
        return await booking_view(await verb(data.booking_id, uow), uow)

    return handler


check_in = Tool(
    name="check_in",
    description="Staff only: the customer has arrived for this booking (from two hours before its start).",
    input_model=BookingIdInput, output_model=BookingView, handler=_front_desk(engine.check_in), mutates=True,
    roles=STAFF_ROLES)

complete_booking = Tool(
    name="complete_booking",
    description="Staff only: the services of this checked-in booking are done.",
    input_model=BookingIdInput, output_model=BookingView, handler=_front_desk(engine.complete), mutates=True,
    roles=STAFF_ROLES)

mark_no_show = Tool(
    name="mark_no_show",
    description="Staff only: the customer did not come (only after the booking's start time).",
    input_model=BookingIdInput, output_model=BookingView, handler=_front_desk(engine.mark_no_show), mutates=True,
    roles=STAFF_ROLES)
