"""Holds, confirmation, rescheduling, cancellation policy, status transitions, events and audit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.clock import FixedClock
from domain.errors import InvalidTransition, PolicyViolation, SlotUnavailable
from domain.models import AuditEntry, Booking, BookingStatus
from domain.scheduling.bookings import (
    BookingRequest,
    availability,
    book,
    cancel,
    check_in,
    complete,
    confirm,
    customer_bookings,
    get_booking,
    hold,
    mark_no_show,
    reschedule,
)
from domain.scheduling.intervals import from_minute
from domain.uow import UnitOfWork
from tests.scheduling_salon import FRIDAY, Studio, studio, utc

UowFor = Callable[..., UnitOfWork]


def request(s: Studio, hour: int, minute: int = 0, *, services: list | None = None, staff: object = None,
            customer: object = None, day: object = FRIDAY) -> BookingRequest:
    return BookingRequest(branch_id=s.branch_id, customer_id=(customer or s.riya).id,  # type: ignore[attr-defined]
                          service_ids=[svc.id for svc in (services or [s.haircut])],
                          starts_at=s.at(day, hour, minute), staff_id=staff, source="whatsapp")  # type: ignore


async def make(uow_for: UowFor, s: Studio, req: BookingRequest, *, held: bool = False) -> Booking:
    async with uow_for(s.tenant_id) as uow:
        booking = await (hold(req, uow) if held else book(req, uow))
        await uow.commit()
    return booking


async def status_of(uow_for: UowFor, s: Studio, booking_id: uuid.UUID) -> str:
    async with uow_for(s.tenant_id) as uow:
        return (await get_booking(booking_id, uow)).status


async def test_a_held_slot_is_not_offered_to_anyone_else(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    await make(uow_for, s, request(s, 11, staff=s.asha.id), held=True)
    async with uow_for(s.tenant_id) as uow:
        _, plans = await availability(uow, s.branch_id, [s.haircut.id], FRIDAY, FRIDAY, staff_id=s.asha.id)
    assert s.at(FRIDAY, 11) not in [from_minute(plan.starts) for plan in plans]
    with pytest.raises(SlotUnavailable):
        await make(uow_for, s, request(s, 11, staff=s.asha.id, customer=s.kabir))


async def test_an_expired_hold_frees_itself_without_a_cron_job(uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    held = await make(uow_for, s, request(s, 11, staff=s.asha.id), held=True)
    clock.advance(timedelta(minutes=11))  # holds last 10 minutes
    async with uow_for(s.tenant_id) as uow:
        _, plans = await availability(uow, s.branch_id, [s.haircut.id], FRIDAY, FRIDAY, staff_id=s.asha.id)
    assert s.at(FRIDAY, 11) in [from_minute(plan.starts) for plan in plans]
    taken = await make(uow_for, s, request(s, 11, staff=s.asha.id, customer=s.kabir))
    assert taken.status == "confirmed"
    assert await status_of(uow_for, s, held.id) == "expired"


async def test_confirming_a_hold_books_it(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    held = await make(uow_for, s, request(s, 11), held=True)
    async with uow_for(s.tenant_id) as uow:
        booking = await confirm(held.id, uow)
        await uow.commit()
    assert booking.status == "confirmed" and booking.hold_expires_at is None
    assert {item.status for item in booking.items} == {"confirmed"}
    assert [event.name for event in uow.published] == ["AppointmentBooked"]


async def test_a_hold_confirmed_too_late_is_refused_with_alternatives(uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    held = await make(uow_for, s, request(s, 11), held=True)
    clock.advance(timedelta(minutes=15))
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(SlotUnavailable, match="expired") as refused:
            await confirm(held.id, uow)
    assert refused.value.details["alternatives"]


async def test_a_multi_service_booking_is_one_booking_with_items_in_order(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11, services=[s.haircut, s.manicure]))
    items = sorted(booking.items, key=lambda item: item.position)
    assert [item.service_id for item in items] == [s.haircut.id, s.manicure.id]
    assert items[1].starts_at == items[0].ends_at
    assert items[1].staff_id == s.meera.id


async def test_reschedule_moves_atomically_and_keeps_history(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11, staff=s.asha.id))
    async with uow_for(s.tenant_id) as uow:
        moved = await reschedule(booking.id, s.at(FRIDAY, 11, 15), uow, by="customer", staff_id=s.asha.id)
        await uow.commit()
    assert moved.id == booking.id and moved.reschedule_count == 1 and moved.status == "confirmed"
    assert moved.items[0].starts_at == s.at(FRIDAY, 11, 15)  # overlapping its own old time is fine
    event = uow.published[-1]
    assert event.name == "AppointmentRescheduled"
    assert event.payload["old_starts_at"] == utc(s.at(FRIDAY, 11)).isoformat()
    async with uow_for(s.tenant_id) as uow:
        actions = (await uow.session.execute(select(AuditEntry.action, func.count()).where(
            AuditEntry.entity_type == "booking_items").group_by(AuditEntry.action))).all()
    assert dict(actions) == {"create": 2, "delete": 1}  # type: ignore[arg-type]


async def test_a_reschedule_onto_a_taken_time_changes_nothing(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    mine = await make(uow_for, s, request(s, 11, staff=s.asha.id))
    await make(uow_for, s, request(s, 15, staff=s.asha.id, customer=s.kabir))
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(SlotUnavailable) as refused:
            await reschedule(mine.id, s.at(FRIDAY, 15), uow, by="customer", staff_id=s.asha.id)
    assert refused.value.details["alternatives"]
    async with uow_for(s.tenant_id) as uow:
        unchanged = await get_booking(mine.id, uow)
    assert unchanged.items[0].starts_at == s.at(FRIDAY, 11) and unchanged.reschedule_count == 0


async def test_a_customer_cannot_cancel_inside_the_cancellation_window_but_staff_can(
        uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11))
    clock.advance(s.at(FRIDAY, 10) - clock.now())  # an hour before; the window is two hours
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(PolicyViolation, match="120 minutes"):
            await cancel(booking.id, uow, by="customer")
        with pytest.raises(PolicyViolation):
            await reschedule(booking.id, s.at(FRIDAY, 12), uow, by="customer")
    async with uow_for(s.tenant_id) as uow:
        cancelled = await cancel(booking.id, uow, by="staff", reason="Stylist unwell")
        await uow.commit()
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == "staff"
    assert uow.published[0].name == "AppointmentCancelled"


async def test_a_customer_can_cancel_well_ahead_and_the_time_is_free_again(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11, staff=s.asha.id))
    async with uow_for(s.tenant_id) as uow:
        await cancel(booking.id, uow, by="customer", reason="Plans changed")
        await uow.commit()
    again = await make(uow_for, s, request(s, 11, staff=s.asha.id, customer=s.kabir))
    assert again.status == "confirmed"


async def test_status_transitions_are_enforced(uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11))
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidTransition, match="confirmed, so it cannot be completed"):
            await complete(booking.id, uow)
        with pytest.raises(PolicyViolation, match="no-show only after"):
            await mark_no_show(booking.id, uow)
        with pytest.raises(PolicyViolation, match="Check-in opens"):
            await check_in(booking.id, uow)
    clock.advance(s.at(FRIDAY, 10, 50) - clock.now())
    async with uow_for(s.tenant_id) as uow:
        await check_in(booking.id, uow)
        done = await complete(booking.id, uow)
        await uow.commit()
    assert done.status == BookingStatus.COMPLETED
    assert [event.name for event in uow.published] == ["AppointmentCheckedIn", "AppointmentCompleted"]
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidTransition):
            await cancel(booking.id, uow, by="staff")


async def test_a_no_show_is_recorded_after_the_start(uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    booking = await make(uow_for, s, request(s, 11))
    clock.advance(s.at(FRIDAY, 11, 20) - clock.now())
    async with uow_for(s.tenant_id) as uow:
        assert (await mark_no_show(booking.id, uow)).status == "no_show"
        await uow.commit()


async def test_a_customer_sees_their_upcoming_bookings_soonest_first(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    later = await make(uow_for, s, request(s, 16))
    sooner = await make(uow_for, s, request(s, 11))
    await make(uow_for, s, request(s, 12, customer=s.kabir))
    gone = await make(uow_for, s, request(s, 18))
    async with uow_for(s.tenant_id) as uow:
        await cancel(gone.id, uow, by="customer")
        await uow.commit()
    async with uow_for(s.tenant_id) as uow:
        mine = await customer_bookings(s.riya.id, uow)
    assert [booking.id for booking in mine] == [sooner.id, later.id]


async def test_a_taken_time_is_refused_with_the_nearest_alternatives(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    await make(uow_for, s, request(s, 11, staff=s.asha.id))
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(SlotUnavailable, match="taken") as refused:
            await book(request(s, 11, staff=s.asha.id, customer=s.kabir), uow)
    kinds: dict[str, dict] = {}
    for option in refused.value.details["alternatives"]:
        kinds.setdefault(option["kind"], option)  # nearest first within each kind
    assert {"earlier_same_day", "later_same_day", "other_staff", "other_day"} <= set(kinds)
    assert kinds["earlier_same_day"]["starts_at"] == utc(s.at(FRIDAY, 10, 30)).isoformat()
    assert kinds["later_same_day"]["starts_at"] == utc(s.at(FRIDAY, 11, 30)).isoformat()
    assert kinds["other_staff"]["items"][0]["staff"] == "Vikram"
    assert kinds["other_day"]["local_time"].endswith("11:00")
