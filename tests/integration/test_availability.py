"""Availability: opening hours, holidays, shifts, breaks, leave, skills, gaps, buffers, resources, lead time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.errors import InvalidInput, NotFound, SlotUnavailable
from domain.scheduling.availability import Plan
from domain.scheduling.bookings import BookingRequest, availability, book
from domain.scheduling.intervals import from_minute
from domain.services.staff import add_leave
from domain.uow import Actor, UnitOfWork
from tests.scheduling_salon import FRIDAY, Studio, make_studio, studio

UowFor = Callable[..., UnitOfWork]


async def slots(uow_for: UowFor, s: Studio, services: list, day: date = FRIDAY, last: date | None = None,
                staff_id: object = None) -> list[Plan]:
    async with uow_for(s.tenant_id) as uow:
        _, plans = await availability(uow, s.branch_id, [svc.id for svc in services], day, last or day,
                                      staff_id=staff_id, limit=1000)  # type: ignore[arg-type]
    return plans


def local_times(s: Studio, plans: list[Plan]) -> list[str]:
    return [from_minute(plan.starts).astimezone(s.zone).strftime("%H:%M") for plan in plans]


async def booked(uow_for: UowFor, s: Studio, services: list, start: datetime, staff_id: object = None,
                 customer: object = None) -> None:
    async with uow_for(s.tenant_id) as uow:
        await book(BookingRequest(branch_id=s.branch_id, customer_id=(customer or s.riya).id,  # type: ignore[attr-defined]
                                  service_ids=[svc.id for svc in services], starts_at=start,
                                  staff_id=staff_id, source="console"), uow)  # type: ignore[arg-type]
        await uow.commit()


async def test_slots_follow_opening_hours_on_the_fifteen_minute_grid(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    times = local_times(s, await slots(uow_for, s, [s.haircut]))
    assert times[0] == "10:00" and times[1] == "10:15"
    assert times[-1] == "19:30"  # a 30-minute haircut must end by closing at 20:00
    assert "19:45" not in times


async def test_a_holiday_has_no_slots(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    assert await slots(uow_for, s, [s.haircut], date(2026, 12, 25)) == []


async def test_a_break_takes_the_stylist_out_of_the_slots(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    with_asha = local_times(s, await slots(uow_for, s, [s.haircut], staff_id=s.asha.id))
    assert "13:30" in with_asha and "13:45" not in with_asha and "14:00" not in with_asha and "14:30" in with_asha
    anyone = local_times(s, await slots(uow_for, s, [s.haircut]))
    assert "14:00" in anyone  # Vikram works through


async def test_leave_removes_the_stylist_for_its_span(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    async with uow_for(s.tenant_id) as uow:
        await add_leave(s.asha.id, s.at(FRIDAY, 10), s.at(FRIDAY, 13), uow, reason="doctor")
        await uow.commit()
    assert local_times(s, await slots(uow_for, s, [s.haircut], staff_id=s.asha.id))[0] == "13:00"
    # A colour at 13:00 would need Asha at 14:15, inside her break; from 13:15 the break falls in the
    # colour's processing gap, when she is free anyway.
    assert local_times(s, await slots(uow_for, s, [s.colour], staff_id=s.asha.id))[0] == "13:15"


async def test_only_skilled_staff_are_offered(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    plans = await slots(uow_for, s, [s.manicure])
    assert {item.staff_id for plan in plans for item in plan.items} == {s.meera.id}
    with pytest.raises(NotFound, match="does not do these services"):
        await slots(uow_for, s, [s.manicure], staff_id=s.asha.id)


async def test_colour_processing_gap_frees_the_stylist(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    await booked(uow_for, s, [s.colour], s.at(FRIDAY, 11), staff_id=s.asha.id)
    # Asha applies colour 11:00-11:30, is free while it develops (11:30-12:15), finishes 12:15-13:00,
    # then cleans up until 13:15.
    times = local_times(s, await slots(uow_for, s, [s.haircut], staff_id=s.asha.id))
    assert "11:30" in times and "11:45" in times
    assert "11:00" not in times and "12:00" not in times and "12:15" not in times and "13:00" not in times
    assert "13:15" in times
    await booked(uow_for, s, [s.haircut], s.at(FRIDAY, 11, 30), staff_id=s.asha.id, customer=s.kabir)


async def test_the_buffer_after_a_service_keeps_the_stylist_busy(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    await booked(uow_for, s, [s.colour], s.at(FRIDAY, 15), staff_id=s.vikram.id)
    times = local_times(s, await slots(uow_for, s, [s.beard], staff_id=s.vikram.id))
    assert "17:00" not in times  # the colour ends at 17:00, the buffer runs to 17:15
    assert "17:15" in times


async def test_resource_capacity_limits_parallel_services(uow_for: UowFor) -> None:
    s = await studio(uow_for, basins=1)
    await booked(uow_for, s, [s.colour], s.at(FRIDAY, 11), staff_id=s.asha.id)
    # Vikram is free, but the only wash basin is taken 11:00-13:15.
    times = local_times(s, await slots(uow_for, s, [s.colour], staff_id=s.vikram.id))
    assert "11:00" not in times and "13:00" not in times and "13:15" in times and "10:00" not in times
    with pytest.raises(SlotUnavailable):
        await booked(uow_for, s, [s.colour], s.at(FRIDAY, 12), staff_id=s.vikram.id, customer=s.kabir)


async def test_minimum_lead_time_and_booking_horizon(uow_for: UowFor) -> None:
    s = await studio(uow_for)  # clock: Wed 25 Nov 12:00 IST; lead 60 minutes; horizon 60 days
    today = local_times(s, await slots(uow_for, s, [s.haircut], date(2026, 11, 25)))
    assert today[0] == "13:00"
    far = date(2026, 11, 25) + timedelta(days=61)
    assert await slots(uow_for, s, [s.haircut], far) == []


async def test_a_multi_service_booking_runs_in_sequence_with_different_staff(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    plans = await slots(uow_for, s, [s.haircut, s.manicure])
    first = plans[0]
    haircut, manicure = first.items
    assert manicure.starts == haircut.ends  # no buffer on a haircut
    assert manicure.staff_id == s.meera.id and haircut.staff_id in {s.asha.id, s.vikram.id}


async def test_two_services_by_one_stylist_keep_the_same_stylist(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    plan = (await slots(uow_for, s, [s.haircut, s.beard]))[0]
    assert plan.items[0].staff_id == plan.items[1].staff_id


async def test_anyone_goes_to_the_least_booked_then_the_most_senior(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    first = (await slots(uow_for, s, [s.haircut]))[0]
    assert first.items[0].staff_id == s.asha.id  # equal load: Asha is more senior
    await booked(uow_for, s, [s.haircut], s.at(FRIDAY, 17), staff_id=s.asha.id)
    first = (await slots(uow_for, s, [s.haircut]))[0]
    assert first.items[0].staff_id == s.vikram.id  # Asha now has a booking that day


async def test_search_ranges_are_validated(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    with pytest.raises(InvalidInput, match="before the start"):
        await slots(uow_for, s, [s.haircut], FRIDAY, FRIDAY - timedelta(days=1))
    with pytest.raises(InvalidInput, match="at most 31 days"):
        await slots(uow_for, s, [s.haircut], FRIDAY, FRIDAY + timedelta(days=40))
    with pytest.raises(InvalidInput, match="at least one service"):
        await slots(uow_for, s, [])


async def test_a_day_across_a_dst_change_is_still_right(db: async_sessionmaker[AsyncSession]) -> None:
    """London moves to summer time at 01:00 UTC on Sun 28 Mar 2027: a 23-hour day. The salon's wall clock
    (10:00-20:00) must hold on both sides, and bookings must be stored at the right UTC instant."""
    clock = FixedClock(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    tenant_id = uuid.uuid4()

    def uow(tenant: uuid.UUID | None = tenant_id) -> UnitOfWork:
        return UnitOfWork(db, tenant_id=tenant, actor=Actor("staff", "tester"), clock=clock)

    async with uow() as work:
        s = await make_studio(work, timezone="Europe/London")
        await work.commit()
    firsts, counts = {}, {}
    for day in (date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)):
        async with uow() as work:
            _, plans = await availability(work, s.branch_id, [s.haircut.id], day, day, limit=1000)
        firsts[day.day] = from_minute(plans[0].starts)
        counts[day.day] = len(plans)
    assert firsts == {27: datetime(2027, 3, 27, 10, 0, tzinfo=UTC), 28: datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
                      29: datetime(2027, 3, 29, 9, 0, tzinfo=UTC)}
    assert counts[27] == counts[28] == counts[29] == 39  # 10:00 to 19:30 every 15 minutes
    async with uow() as work:
        booking = await book(BookingRequest(branch_id=s.branch_id, customer_id=s.riya.id, service_ids=[s.colour.id],
                                            starts_at=s.at(date(2027, 3, 28), 10), source="console"), work)
        await work.commit()
    item = booking.items[0]
    assert item.starts_at == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)
    assert item.ends_at - item.starts_at == timedelta(minutes=120)
