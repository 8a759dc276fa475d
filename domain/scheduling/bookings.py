"""The booking verbs: availability, hold, confirm, book, reschedule, cancel, check in, complete, no-show.

Every write takes a transaction-scoped advisory lock on the branch's local day before it re-reads the calendar,
so resource capacity (six chairs, two basins) is checked against everything committed before it. The exclusion
constraint on staff busy time is the last guard: if it fires anyway (a stylist booked at another branch in the
same instant), the attempt is rolled back to a savepoint and reported as SlotUnavailable with alternatives,
never as an error page and never as a double booking.

Holds expire without a cron job: availability ignores a hold past its expiry, and every write first marks such
holds expired so the constraint stops counting them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain.errors import InvalidInput, NotFound, PolicyViolation, SlotUnavailable
from domain.models import Booking, BookingItem, BookingStatus, Branch, Customer
from domain.models.bookings import BOOKING_SOURCES
from domain.scheduling.availability import Plan, alternatives, bookable_window, find_slots, plan_at
from domain.scheduling.calendar import BranchCalendar, ServiceSpec, load_calendar, load_services
from domain.scheduling.intervals import from_minute, to_minute
from domain.scheduling.status import check_transition
from domain.uow import UnitOfWork

NOT_HERE = "That staff member does not work at this branch or does not do these services."
MAX_SERVICES = 6
MAX_SEARCH_DAYS = 31
CHECK_IN_OPENS = timedelta(hours=2)
Canceller = Literal["customer", "staff"]


@dataclass(frozen=True)
class BookingRequest:
    branch_id: uuid.UUID
    customer_id: uuid.UUID
    service_ids: Sequence[uuid.UUID]
    starts_at: datetime
    staff_id: uuid.UUID | None = None
    source: str = "whatsapp"
    notes: str | None = None


def plan_view(plan: Plan, calendar: BranchCalendar) -> dict[str, Any]:
    """A plan as plain data for tools, APIs and error details (UTC ISO times plus the branch's wall clock)."""
    start = from_minute(plan.starts)
    return {
        "starts_at": start.isoformat(),
        "local_time": start.astimezone(calendar.zone).strftime("%a %d %b %Y %H:%M"),
        "items": [{"service_id": str(item.service.id), "service": item.service.name,
                   "staff_id": str(item.staff_id), "staff": item.staff_name,
                   "starts_at": from_minute(item.starts).isoformat(), "ends_at": from_minute(item.ends).isoformat()}
                  for item in plan.items],
    }


def _local(moment: datetime, branch: Branch) -> date:
    return moment.astimezone(ZoneInfo(branch.timezone)).date()


def _service_ids(ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    if not ids:
        raise InvalidInput("Choose at least one service.")
    if len(ids) > MAX_SERVICES:
        raise InvalidInput(f"One booking can hold at most {MAX_SERVICES} services.")
    return list(ids)


async def availability(uow: UnitOfWork, branch_id: uuid.UUID, service_ids: Sequence[uuid.UUID], first_day: date,
                       last_day: date, *, staff_id: uuid.UUID | None = None,
                       limit: int = 200) -> tuple[BranchCalendar, list[Plan]]:
    """Free start times for the services, in order, between two local dates (inclusive)."""
    if last_day < first_day:
        raise InvalidInput("The end date is before the start date.")
    if (last_day - first_day).days >= MAX_SEARCH_DAYS:
        raise InvalidInput(f"Search at most {MAX_SEARCH_DAYS} days at a time.")
    branch = await uow.get(Branch, branch_id, "branch")
    services = await load_services(uow, _service_ids(service_ids))
    calendar = await load_calendar(uow, branch, first_day, last_day, service_ids=[s.id for s in services])
    if staff_id is not None and staff_id not in calendar.staff:
        raise NotFound(NOT_HERE, staff_id=str(staff_id))
    return calendar, find_slots(calendar, services, uow.clock.now(), staff_id=staff_id, limit=limit)


async def expire_holds(uow: UnitOfWork) -> int:
    """Mark holds past their expiry as expired (audited), so they stop blocking anyone. Returns how many."""
    stale = (await uow.session.scalars(
        select(Booking).options(selectinload(Booking.items))
        .where(Booking.status == BookingStatus.HELD.value, Booking.hold_expires_at <= uow.clock.now())
        .with_for_update(skip_locked=True))).all()
    for booking in stale:
        _set_status(booking, BookingStatus.EXPIRED)
        uow.record("HoldExpired", booking_id=str(booking.id), customer_id=str(booking.customer_id))
    if stale:
        await uow.session.flush()
    return len(stale)


async def _lock_day(uow: UnitOfWork, branch_id: uuid.UUID, day: date) -> None:
    await uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                              {"key": f"booking-day:{branch_id}:{day.isoformat()}"})


async def _unavailable(uow: UnitOfWork, branch: Branch, services: Sequence[ServiceSpec], wanted: int,
                       staff_id: uuid.UUID | None, reason: str, ignore: uuid.UUID | None = None) -> SlotUnavailable:
    around = _local(from_minute(wanted), branch)
    calendar = await load_calendar(uow, branch, around - timedelta(days=3), around + timedelta(days=8),
                                   ignore_booking=ignore, service_ids=[service.id for service in services])
    options = alternatives(calendar, services, wanted, uow.clock.now(), staff_id=staff_id)
    return SlotUnavailable(reason, alternatives=[{"kind": option.kind, **plan_view(option.plan, calendar)}
                                                 for option in options])


def _items_for(plan: Plan, booking: Booking, status: BookingStatus) -> list[BookingItem]:
    items = []
    for position, item in enumerate(plan.items):
        gap = item.gap
        items.append(BookingItem(
            tenant_id=booking.tenant_id, branch_id=booking.branch_id, service_id=item.service.id,
            staff_id=item.staff_id, position=position, starts_at=from_minute(item.starts),
            ends_at=from_minute(item.ends), gap_starts_at=from_minute(gap[0]) if gap else None,
            gap_ends_at=from_minute(gap[1]) if gap else None,
            busy_until=from_minute(item.busy_until) if item.service.buffer else None, status=status.value,
            price_paise=item.service.price_paise))
    return items


def _is_overlap(exc: IntegrityError) -> bool:
    return "ex_booking_items_no_staff_overlap" in str(exc.orig)


async def _plan_or_refuse(uow: UnitOfWork, branch: Branch, services: Sequence[ServiceSpec], start: int,
                          staff_id: uuid.UUID | None, ignore: uuid.UUID | None = None) -> Plan:
    """Re-check the slot under the day's lock; refuse with alternatives when it cannot be served."""
    now = uow.clock.now()
    day = _local(from_minute(start), branch)
    await _lock_day(uow, branch.id, day)
    # Read under the lock: whatever committed before we got it is visible (read committed).
    calendar = await load_calendar(uow, branch, day, day, ignore_booking=ignore,
                                   service_ids=[service.id for service in services])
    earliest, latest = bookable_window(calendar, now)
    if start < earliest:
        raise await _unavailable(uow, branch, services, start, staff_id,
                                 f"We need at least {branch.min_lead_min} minutes' notice for a booking.", ignore)
    if start > latest:
        raise await _unavailable(uow, branch, services, start, staff_id,
                                 f"Bookings open {branch.horizon_days} days ahead.", ignore)
    if staff_id is not None and staff_id not in calendar.staff:
        raise NotFound(NOT_HERE, staff_id=str(staff_id))
    plan = plan_at(calendar, services, start, staff_id)
    if plan is None or (staff_id is not None and all(item.staff_id != staff_id for item in plan.items)):
        raise await _unavailable(uow, branch, services, start, staff_id, "That time is taken.", ignore)
    return plan


async def _place(request: BookingRequest, uow: UnitOfWork, *, status: BookingStatus,
                 hold_minutes: int | None = None) -> Booking:
    tenant_id = uow.require_tenant()
    if request.starts_at.tzinfo is None:
        raise InvalidInput("A start time must carry a time zone.")
    if request.source not in {source.value for source in BOOKING_SOURCES}:
        raise InvalidInput(f"{request.source!r} is not a booking source.")
    branch = await uow.get(Branch, request.branch_id, "branch")
    customer = await uow.get(Customer, request.customer_id, "customer")
    services = await load_services(uow, _service_ids(request.service_ids))
    start = to_minute(request.starts_at)
    await expire_holds(uow)
    plan = await _plan_or_refuse(uow, branch, services, start, request.staff_id)
    now = uow.clock.now()
    booking = Booking(
        tenant_id=tenant_id, branch_id=branch.id, customer_id=customer.id, status=status.value,
        source=request.source, notes=request.notes,
        hold_expires_at=now + timedelta(minutes=hold_minutes or branch.hold_minutes)
        if status == BookingStatus.HELD else None)
    booking.items = _items_for(plan, booking, status)
    try:
        async with uow.session.begin_nested():
            uow.session.add(booking)
            await uow.session.flush()
    except IntegrityError as exc:
        if not _is_overlap(exc):
            raise
        raise await _unavailable(uow, branch, services, start, request.staff_id, "That time was just taken.") \
            from exc
    uow.record("AppointmentHeld" if status == BookingStatus.HELD else "AppointmentBooked",
               **_event_payload(booking, plan, branch.timezone))
    return booking


def _event_payload(booking: Booking, plan: Plan, zone: str) -> dict[str, Any]:
    return {"booking_id": str(booking.id), "customer_id": str(booking.customer_id),
            "branch_id": str(booking.branch_id), "starts_at": from_minute(plan.starts).isoformat(),
            "timezone": zone, "services": [item.service.name for item in plan.items],
            "staff": [item.staff_name for item in plan.items]}


async def hold(request: BookingRequest, uow: UnitOfWork, *, hold_minutes: int | None = None) -> Booking:
    """Keep the slot for the customer while they confirm (the branch's hold length, default 10 minutes)."""
    return await _place(request, uow, status=BookingStatus.HELD, hold_minutes=hold_minutes)


async def book(request: BookingRequest, uow: UnitOfWork) -> Booking:
    """Book straight away (front desk, walk-ins): a confirmed booking with no hold."""
    return await _place(request, uow, status=BookingStatus.CONFIRMED)


async def get_booking(booking_id: uuid.UUID, uow: UnitOfWork, *, for_update: bool = False) -> Booking:
    query = select(Booking).options(selectinload(Booking.items)).where(Booking.id == booking_id)
    if for_update:
        query = query.with_for_update()
    booking = await uow.session.scalar(query)
    if booking is None:
        raise NotFound("No such booking.", booking_id=str(booking_id))
    return booking


def _set_status(booking: Booking, status: BookingStatus) -> None:
    booking.status = status.value
    for item in booking.items:
        item.status = status.value


async def _services_of(booking: Booking, uow: UnitOfWork) -> list[ServiceSpec]:
    return await load_services(uow, [item.service_id for item in sorted(booking.items, key=lambda i: i.position)])


async def confirm(booking_id: uuid.UUID, uow: UnitOfWork) -> Booking:
    """Turn a hold into a confirmed booking. A hold past its expiry is expired instead, and the customer is
    offered the nearest free times."""
    booking = await get_booking(booking_id, uow, for_update=True)
    check_transition(booking.status, BookingStatus.CONFIRMED)
    if booking.hold_expires_at is not None and booking.hold_expires_at <= uow.clock.now():
        # Nothing is written here (the error rolls the work back); the next write marks the hold expired.
        branch = await uow.get(Branch, booking.branch_id, "branch")
        first = min(booking.items, key=lambda item: item.position)
        error = await _unavailable(uow, branch, await _services_of(booking, uow), to_minute(first.starts_at),
                                   None, "The hold on this slot expired before it was confirmed.")
        error.details["expired_booking_id"] = str(booking.id)
        raise error
    _set_status(booking, BookingStatus.CONFIRMED)
    booking.hold_expires_at = None
    await uow.session.flush()
    uow.record("AppointmentBooked", booking_id=str(booking.id), customer_id=str(booking.customer_id),
               branch_id=str(booking.branch_id), starts_at=_start(booking).isoformat(),
               services=[str(item.service_id) for item in booking.items])
    return booking


def _start(booking: Booking) -> datetime:
    return min(item.starts_at for item in booking.items)


def _end(booking: Booking) -> datetime:
    return max(item.ends_at for item in booking.items)


def _inside_window(booking: Booking, branch: Branch, now: datetime) -> bool:
    return _start(booking) - now < timedelta(minutes=branch.cancellation_window_min)


async def reschedule(booking_id: uuid.UUID, starts_at: datetime, uow: UnitOfWork, *, by: Canceller,
                     staff_id: uuid.UUID | None = None) -> Booking:
    """Move a booking to a new time in one transaction: the old items go (audited), the new ones come, and
    AppointmentRescheduled records both times. A customer cannot move a booking inside the cancellation window."""
    if starts_at.tzinfo is None:
        raise InvalidInput("A start time must carry a time zone.")
    booking = await get_booking(booking_id, uow, for_update=True)
    if booking.status not in (BookingStatus.HELD.value, BookingStatus.CONFIRMED.value):
        raise PolicyViolation(f"A {booking.status.replace('_', ' ')} booking cannot be moved.")
    branch = await uow.get(Branch, booking.branch_id, "branch")
    now = uow.clock.now()
    if by == "customer" and _inside_window(booking, branch, now):
        raise PolicyViolation(f"Bookings can be changed up to {branch.cancellation_window_min} minutes before "
                              "they start; please call the salon.")
    services = await _services_of(booking, uow)
    await expire_holds(uow)
    old_start = _start(booking)
    # Both days' locks, always in date order, so two moves in opposite directions cannot deadlock.
    for day in sorted({_local(old_start, branch), _local(starts_at, branch)}):
        await _lock_day(uow, branch.id, day)
    plan = await _plan_or_refuse(uow, branch, services, to_minute(starts_at), staff_id, ignore=booking.id)
    status = BookingStatus(booking.status)
    old = [(str(item.service_id), str(item.staff_id), item.starts_at.isoformat()) for item in booking.items]
    for item in list(booking.items):
        await uow.session.delete(item)
    await uow.session.flush()
    booking.items = _items_for(plan, booking, status)
    booking.reschedule_count += 1
    try:
        async with uow.session.begin_nested():
            await uow.session.flush()
    except IntegrityError as exc:
        if not _is_overlap(exc):
            raise
        raise await _unavailable(uow, branch, services, plan.starts, staff_id, "That time was just taken.",
                                 booking.id) from exc
    uow.record("AppointmentRescheduled", booking_id=str(booking.id), customer_id=str(booking.customer_id),
               branch_id=str(branch.id), old_starts_at=old_start.isoformat(),
               starts_at=from_minute(plan.starts).isoformat(), old_items=old, by=by)
    return booking


async def cancel(booking_id: uuid.UUID, uow: UnitOfWork, *, by: Canceller, reason: str | None = None) -> Booking:
    """Cancel a hold or a booking. A customer cannot cancel inside the branch's cancellation window; staff can.
    The freed time is offered to the day's waitlist."""
    booking = await get_booking(booking_id, uow, for_update=True)
    check_transition(booking.status, BookingStatus.CANCELLED)
    branch = await uow.get(Branch, booking.branch_id, "branch")
    now = uow.clock.now()
    if by == "customer" and booking.status == BookingStatus.CONFIRMED.value and _inside_window(booking, branch, now):
        raise PolicyViolation(f"Bookings can be cancelled up to {branch.cancellation_window_min} minutes before "
                              "they start; please call the salon.")
    _set_status(booking, BookingStatus.CANCELLED)
    booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = now, by, reason
    await uow.session.flush()
    uow.record("AppointmentCancelled", booking_id=str(booking.id), customer_id=str(booking.customer_id),
               branch_id=str(branch.id), starts_at=_start(booking).isoformat(), by=by, reason=reason)
    from domain.scheduling.waitlist import offer_freed_time

    await offer_freed_time(uow, branch, _start(booking))
    return booking


async def check_in(booking_id: uuid.UUID, uow: UnitOfWork) -> Booking:
    """The customer has arrived: from two hours before the start until the booking's end."""
    booking = await get_booking(booking_id, uow, for_update=True)
    check_transition(booking.status, BookingStatus.CHECKED_IN)
    now = uow.clock.now()
    if not _start(booking) - CHECK_IN_OPENS <= now <= _end(booking):
        raise PolicyViolation("Check-in opens two hours before the booking and closes when it ends.")
    return await _move(booking, BookingStatus.CHECKED_IN, "AppointmentCheckedIn", uow)


async def complete(booking_id: uuid.UUID, uow: UnitOfWork) -> Booking:
    booking = await get_booking(booking_id, uow, for_update=True)
    check_transition(booking.status, BookingStatus.COMPLETED)
    return await _move(booking, BookingStatus.COMPLETED, "AppointmentCompleted", uow)


async def mark_no_show(booking_id: uuid.UUID, uow: UnitOfWork) -> Booking:
    """Only once the booking's start time has passed."""
    booking = await get_booking(booking_id, uow, for_update=True)
    check_transition(booking.status, BookingStatus.NO_SHOW)
    if uow.clock.now() < _start(booking):
        raise PolicyViolation("A booking can be marked as a no-show only after its start time.")
    return await _move(booking, BookingStatus.NO_SHOW, "AppointmentNoShow", uow)


async def _move(booking: Booking, status: BookingStatus, event: str, uow: UnitOfWork) -> Booking:
    _set_status(booking, status)
    await uow.session.flush()
    uow.record(event, booking_id=str(booking.id), customer_id=str(booking.customer_id),
               branch_id=str(booking.branch_id), starts_at=_start(booking).isoformat())
    return booking


async def customer_bookings(customer_id: uuid.UUID, uow: UnitOfWork, *,
                            upcoming_only: bool = True) -> list[Booking]:
    """A customer's bookings, soonest first; by default only those still ahead and not cancelled."""
    await uow.get(Customer, customer_id, "customer")
    query = (select(Booking).options(selectinload(Booking.items))
             .where(Booking.customer_id == customer_id))
    if upcoming_only:
        live = [BookingStatus.HELD.value, BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value]
        query = query.where(Booking.status.in_(live), Booking.id.in_(
            select(BookingItem.booking_id).where(BookingItem.ends_at > uow.clock.now())))
    bookings = list((await uow.session.scalars(query)).all())
    bookings = [b for b in bookings if not (b.status == BookingStatus.HELD.value and b.hold_expires_at is not None
                                            and b.hold_expires_at <= uow.clock.now())] if upcoming_only else bookings
    return sorted(bookings, key=_start)

