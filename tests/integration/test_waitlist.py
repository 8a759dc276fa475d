"""The waitlist: a freed slot goes to the first in line, as a hold with a time limit, then to the next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.clock import FixedClock
from domain.errors import Conflict, InvalidInput
from domain.models import Branch, WaitlistEntry
from domain.scheduling.bookings import BookingRequest, book, cancel, get_booking
from domain.scheduling.waitlist import OFFER_MINUTES, accept_offer, join_waitlist, lapse_offers
from domain.services.customers import register_customer
from domain.uow import UnitOfWork
from tests.scheduling_salon import FRIDAY, Studio, studio

UowFor = Callable[..., UnitOfWork]


async def full_friday_at_eleven(uow_for: UowFor, s: Studio) -> list:
    """Both hair stylists booked at 11:00 on Friday, and two customers waiting for that day."""
    async with uow_for(s.tenant_id) as uow:
        booked = [await book(BookingRequest(branch_id=s.branch_id, customer_id=s.riya.id,
                                            service_ids=[s.haircut.id], starts_at=s.at(FRIDAY, 11),
                                            staff_id=staff.id, source="console"), uow)
                  for staff in (s.asha, s.vikram)]
        first = await register_customer("+919811100001", uow, name="First")
        second = await register_customer("+919811100002", uow, name="Second")
        await uow.commit()
    for person in (first, second):
        async with uow_for(s.tenant_id) as uow:
            await join_waitlist(uow, s.branch_id, person.id, FRIDAY, [s.haircut.id])
            await uow.commit()
    return [booked, first, second]


async def entries(uow_for: UowFor, s: Studio) -> dict:
    async with uow_for(s.tenant_id) as uow:
        rows = (await uow.session.scalars(select(WaitlistEntry))).all()
        return {row.customer_id: row for row in rows}


async def test_a_cancellation_offers_the_slot_to_the_first_in_line(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    booked, first, second = await full_friday_at_eleven(uow_for, s)
    async with uow_for(s.tenant_id) as uow:
        await cancel(booked[0].id, uow, by="customer")
        await uow.commit()
    assert "WaitlistSlotOffered" in [event.name for event in uow.published]
    waiting = await entries(uow_for, s)
    assert waiting[first.id].status == "offered" and waiting[second.id].status == "waiting"
    async with uow_for(s.tenant_id) as uow:
        offer = await get_booking(waiting[first.id].offer_booking_id, uow)
    assert offer.status == "held" and offer.items[0].starts_at == s.at(FRIDAY, 11)
    async with uow_for(s.tenant_id) as uow:
        confirmed = await accept_offer(uow, waiting[first.id].id)
        await uow.commit()
    assert confirmed.status == "confirmed"
    assert (await entries(uow_for, s))[first.id].status == "booked"


async def test_an_offer_not_taken_in_time_goes_to_the_next_in_line(uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    booked, first, second = await full_friday_at_eleven(uow_for, s)
    async with uow_for(s.tenant_id) as uow:
        await cancel(booked[0].id, uow, by="customer")
        await uow.commit()
    clock.advance(timedelta(minutes=OFFER_MINUTES + 1))
    async with uow_for(s.tenant_id) as uow:
        branch = await uow.get(Branch, s.branch_id, "branch")
        await lapse_offers(uow, branch)
        await uow.commit()
    waiting = await entries(uow_for, s)
    assert waiting[first.id].status == "lapsed" and waiting[second.id].status == "offered"
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(Conflict, match="no open offer"):
            await accept_offer(uow, waiting[first.id].id)


async def test_joining_the_same_days_waitlist_twice_is_refused(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    async with uow_for(s.tenant_id) as uow:
        await join_waitlist(uow, s.branch_id, s.riya.id, FRIDAY, [s.haircut.id])
        with pytest.raises(Conflict, match="already on the waitlist"):
            await join_waitlist(uow, s.branch_id, s.riya.id, FRIDAY, [s.haircut.id])


async def test_a_waitlist_for_a_stylist_who_cannot_do_the_service_is_refused(uow_for: UowFor) -> None:
    s = await studio(uow_for)
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match="does not do"):
            await join_waitlist(uow, s.branch_id, s.riya.id, FRIDAY, [s.manicure.id], staff_id=s.asha.id)


async def test_a_past_local_day_is_refused_even_when_it_is_still_that_day_in_utc(
        uow_for: UowFor, clock: FixedClock) -> None:
    s = await studio(uow_for)
    clock.advance(s.at(FRIDAY + timedelta(days=1), 1) - clock.now())  # Sat 01:00 IST is still Fri in UTC
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match="passed"):
            await join_waitlist(uow, s.branch_id, s.riya.id, FRIDAY, [s.haircut.id])
