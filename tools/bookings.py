"""Booking tools: find a time, hold it, confirm it, book directly, list bookings, join the waitlist.

Changes to an existing booking (reschedule, cancel, check in, complete, no-show) are in ``tools.booking_changes``.
Every tool here takes the customer from the context for a customer caller; staff name the customer.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from domain.errors import NotFound
from domain.models import Booking
from domain.scheduling import bookings as engine
from domain.scheduling.waitlist import join_waitlist as join
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import EVERYONE, STAFF_ROLES, ToolContext
from tools.views import BookingList, BookingView, WaitlistView, booking_view, booking_views, waitlist_view


# Fields several inputs share. Functions, so each model gets its own FieldInfo rather than one shared object.
def service_ids_field() -> Any:
    return Field(min_length=1, max_length=engine.MAX_SERVICES, description=(
        "The services' ids (from search_services), in the order they should happen."))


def branch_field() -> Any:
    return Field(default=None, description="The branch. Leave empty for the conversation's branch.")


def staff_field() -> Any:
    return Field(default=None, description=(
        "Only when the customer asked for a particular stylist: their id. Leave empty for anyone."))


def customer_field() -> Any:
    return Field(default=None, description=(
        "Staff only: the customer this is for. Leave empty when the customer is the one asking; it is known."))


class CheckAvailabilityInput(BaseModel):
    branch_id: uuid.UUID | None = branch_field()
    service_ids: list[uuid.UUID] = service_ids_field()
    from_date: date = Field(description="The first day to search, as the salon's local date (YYYY-MM-DD).")
    to_date: date | None = Field(default=None, description="The last day to search (inclusive); empty: from_date.")
    staff_id: uuid.UUID | None = staff_field()
    limit: int = Field(default=10, ge=1, le=50, description="At most this many start times, earliest first.")


class SlotItem(BaseModel):
    service_id: uuid.UUID
    service: str
    staff_id: uuid.UUID
    staff: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class Slot(BaseModel):
    starts_at: AwareDatetime = Field(description="The start, in UTC. Pass it unchanged to hold_slot.")
    local_time: str = Field(description="The start on the branch's wall clock, for telling the customer.")
    items: list[SlotItem]


class Availability(BaseModel):
    branch_id: uuid.UUID
    timezone: str
    slots: list[Slot]


async def _availability(ctx: ToolContext, data: CheckAvailabilityInput, uow: UnitOfWork) -> Availability:
    branch_id = ctx.branch_for(data.branch_id)
    calendar, plans = await engine.availability(uow, branch_id, data.service_ids, data.from_date,
                                                data.to_date or data.from_date, staff_id=data.staff_id,
                                                limit=data.limit)
    return Availability(branch_id=branch_id, timezone=calendar.branch.timezone,
                        slots=[Slot.model_validate(engine.plan_view(plan, calendar)) for plan in plans])


check_availability = Tool(
    name="check_availability",
    description=("Free start times for one or more services (in order) at a branch between two dates, with who "
                 "would do each service. Always check before offering a time; never promise one it did not list."),
    input_model=CheckAvailabilityInput, output_model=Availability, handler=_availability, mutates=False,
    roles=EVERYONE)


class HoldSlotInput(BaseModel):
    branch_id: uuid.UUID | None = branch_field()
    service_ids: list[uuid.UUID] = service_ids_field()
    starts_at: AwareDatetime = Field(description="The start, exactly as check_availability returned it.")
    staff_id: uuid.UUID | None = staff_field()
    customer_id: uuid.UUID | None = customer_field()
    notes: str | None = Field(default=None, max_length=500, description="Anything the stylist should know.")


def _request(ctx: ToolContext, data: HoldSlotInput, source: str) -> engine.BookingRequest:
    return engine.BookingRequest(branch_id=ctx.branch_for(data.branch_id), customer_id=ctx.customer_for(
        data.customer_id), service_ids=data.service_ids, starts_at=data.starts_at, staff_id=data.staff_id,
        source=source, notes=data.notes)


async def _hold(ctx: ToolContext, data: HoldSlotInput, uow: UnitOfWork) -> BookingView:
    return await booking_view(await engine.hold(_request(ctx, data, ctx.booking_source), uow), uow)


hold_slot = Tool(
    name="hold_slot",
    description=("Hold a time for the customer for a few minutes while they decide (status 'held', see "
                 "hold_expires_at). Nothing is booked until confirm_booking. If the time is taken, the answer "
                 "lists the nearest free alternatives to offer instead."),
    input_model=HoldSlotInput, output_model=BookingView, handler=_hold, mutates=True, roles=EVERYONE)


class BookAppointmentInput(HoldSlotInput):
    walk_in: bool = Field(default=False, description="True when the customer is standing at the front desk.")


async def _book(ctx: ToolContext, data: BookAppointmentInput, uow: UnitOfWork) -> BookingView:
    source = "walk_in" if data.walk_in else ctx.booking_source
    return await booking_view(await engine.book(_request(ctx, data, source), uow), uow)


book_appointment = Tool(
    name="book_appointment",
    description=("Staff only: book a confirmed appointment straight away, without a hold (front desk, phone "
                 "calls, walk-ins). Needs customer_id."),
    input_model=BookAppointmentInput, output_model=BookingView, handler=_book, mutates=True, roles=STAFF_ROLES)


class BookingIdInput(BaseModel):
    booking_id: uuid.UUID = Field(description="The booking's id, from hold_slot or list_my_bookings.")


async def owned_booking(ctx: ToolContext, booking_id: uuid.UUID, uow: UnitOfWork) -> None:
    """NotFound for no such booking, PermissionDenied for a customer touching someone else's."""
    # Reads the one column, not the entity: a Booking loaded here would sit in the identity map, and the domain's
    # later SELECT ... FOR UPDATE would hand back this unlocked, possibly stale copy instead of the locked row.
    owner = await uow.session.scalar(select(Booking.customer_id).where(Booking.id == booking_id))
    if owner is None:
        raise NotFound("No such booking.", booking_id=str(booking_id))
    ctx.check_owner(owner)


async def _confirm(ctx: ToolContext, data: BookingIdInput, uow: UnitOfWork) -> BookingView:
    await owned_booking(ctx, data.booking_id, uow)
    return await booking_view(await engine.confirm(data.booking_id, uow), uow)


confirm_booking = Tool(
    name="confirm_booking",
    description=("Confirm a held booking once the customer has said yes to the exact time and services. If the "
                 "hold has expired, the answer lists the nearest free times instead."),
    input_model=BookingIdInput, output_model=BookingView, handler=_confirm, mutates=True, roles=EVERYONE)


class ListBookingsInput(BaseModel):
    customer_id: uuid.UUID | None = customer_field()
    include_past: bool = Field(default=False, description=(
        "False: only bookings still ahead (held, confirmed, checked in). True: every booking, past ones too."))


async def _list(ctx: ToolContext, data: ListBookingsInput, uow: UnitOfWork) -> BookingList:
    customer_id = ctx.customer_for(data.customer_id)
    found = await engine.customer_bookings(customer_id, uow, upcoming_only=not data.include_past)
    return BookingList(bookings=await booking_views(found, uow))


list_my_bookings = Tool(
    name="list_my_bookings",
    description=("The customer's bookings, soonest first (by default only upcoming ones). Use it to find the "
                 "booking id before rescheduling or cancelling."),
    input_model=ListBookingsInput, output_model=BookingList, handler=_list, mutates=False, roles=EVERYONE)


class JoinWaitlistInput(BaseModel):
    branch_id: uuid.UUID | None = branch_field()
    day: date = Field(description="The local day the customer wants (YYYY-MM-DD).")
    service_ids: list[uuid.UUID] = service_ids_field()
    staff_id: uuid.UUID | None = staff_field()
    customer_id: uuid.UUID | None = customer_field()


async def _join(ctx: ToolContext, data: JoinWaitlistInput, uow: UnitOfWork) -> WaitlistView:
    entry = await join(uow, ctx.branch_for(data.branch_id), ctx.customer_for(data.customer_id), data.day,
                       data.service_ids, staff_id=data.staff_id)
    return waitlist_view(entry)


join_waitlist = Tool(
    name="join_waitlist",
    description=("Put the customer on the waitlist for a day when nothing suitable is free. If a slot frees up "
                 "it is held for them and they are asked to confirm it."),
    input_model=JoinWaitlistInput, output_model=WaitlistView, handler=_join, mutates=True, roles=EVERYONE)
