"""Many customers, one slot, the same instant: exactly one wins, every other is offered alternatives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import SlotUnavailable
from domain.scheduling.bookings import BookingRequest, book, hold
from domain.services.customers import register_customer
from domain.uow import UnitOfWork
from tests.scheduling_salon import FRIDAY, Studio, studio

UowFor = Callable[..., UnitOfWork]

DOUBLE_BOOKINGS = text("""
    SELECT count(*) FROM booking_items a JOIN booking_items b
      ON a.staff_id = b.staff_id AND a.id < b.id AND a.staff_busy && b.staff_busy
    WHERE a.status IN ('held', 'confirmed', 'checked_in') AND b.status IN ('held', 'confirmed', 'checked_in')""")


async def customers(uow_for: UowFor, s: Studio, count: int) -> list:
    async with uow_for(s.tenant_id) as uow:
        made = [await register_customer(f"+9198200{index:05d}", uow) for index in range(count)]
        await uow.commit()
    return made


async def attempt(uow_for: UowFor, s: Studio, request: BookingRequest, *, held: bool) -> str:
    async with uow_for(s.tenant_id) as uow:
        try:
            await (hold(request, uow) if held else book(request, uow))
            await uow.commit()
            return "won"
        except SlotUnavailable as refused:
            return "offered alternatives" if refused.details.get("alternatives") else "refused bare"


async def test_twenty_customers_racing_for_one_stylist_leave_one_winner(uow_for: UowFor,
                                                                       owner_engine: AsyncEngine) -> None:
    s = await studio(uow_for)
    people = await customers(uow_for, s, 20)
    requests = [BookingRequest(branch_id=s.branch_id, customer_id=person.id, service_ids=[s.haircut.id],
                               starts_at=s.at(FRIDAY, 11), staff_id=s.asha.id) for person in people]
    outcomes = await asyncio.gather(*(attempt(uow_for, s, r, held=i % 2 == 0) for i, r in enumerate(requests)))
    assert outcomes.count("won") == 1
    assert outcomes.count("offered alternatives") == 19
    async with owner_engine.connect() as connection:
        assert (await connection.execute(DOUBLE_BOOKINGS)).scalar() == 0


async def test_the_last_chair_goes_to_exactly_one_of_two_stylists(uow_for: UowFor,
                                                                 owner_engine: AsyncEngine) -> None:
    s = await studio(uow_for, chairs=1)
    people = await customers(uow_for, s, 2)
    requests = [BookingRequest(branch_id=s.branch_id, customer_id=person.id, service_ids=[s.haircut.id],
                               starts_at=s.at(FRIDAY, 11), staff_id=staff.id)
                for person, staff in zip(people, (s.asha, s.vikram), strict=True)]
    for _ in range(3):  # the race is short: run it a few times on fresh hours
        outcomes = await asyncio.gather(*(attempt(uow_for, s, r, held=False) for r in requests))
        assert sorted(outcomes) == ["offered alternatives", "won"]
        requests = [BookingRequest(**{**vars(r), "starts_at": r.starts_at.replace(hour=r.starts_at.hour + 2)})
                    for r in requests]
    async with owner_engine.connect() as connection:
        chairs_over = (await connection.execute(text("""
            SELECT count(*) FROM booking_items a JOIN booking_items b
              ON a.branch_id = b.branch_id AND a.id < b.id
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
            WHERE a.status = 'confirmed' AND b.status = 'confirmed'"""))).scalar()
    assert chairs_over == 0
