"""The exclusion constraint: no staff member holds two active booking items that overlap."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from domain.models import Booking, BookingItem, BookingStatus
from domain.uow import UnitOfWork
from tests.factories import Salon, make_salon

UowFor = Callable[..., UnitOfWork]
TEN = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai


async def salon(uow_for: UowFor) -> Salon:
    async with uow_for(uuid.uuid4()) as uow:
        made = await make_salon(uow, "overlap-salon")
        await uow.commit()
    return made


async def book(uow_for: UowFor, s: Salon, staff_index: int, start: datetime, minutes: int,
               status: BookingStatus = BookingStatus.CONFIRMED) -> None:
    async with uow_for(s.tenant_id) as uow:
        booking = Booking(tenant_id=s.tenant_id, branch_id=s.branch_id, customer_id=s.customer.id,
                          status=status.value, source="console")
        booking.items.append(BookingItem(tenant_id=s.tenant_id, branch_id=s.branch_id, service_id=s.haircut.id,
                                         staff_id=s.stylists[staff_index].id, starts_at=start,
                                         ends_at=start + timedelta(minutes=minutes), status=status.value,
                                         price_paise=50000))
        uow.session.add(booking)
        await uow.commit()


async def test_an_overlapping_item_for_the_same_staff_is_refused(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    await book(uow_for, s, 0, TEN, 30)
    with pytest.raises(IntegrityError, match="ex_booking_items_no_staff_overlap"):
        await book(uow_for, s, 0, TEN + timedelta(minutes=15), 30)


async def test_back_to_back_items_are_accepted(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    await book(uow_for, s, 0, TEN, 30)
    await book(uow_for, s, 0, TEN + timedelta(minutes=30), 30)
    await book(uow_for, s, 0, TEN - timedelta(minutes=30), 30)


async def test_two_staff_can_work_at_the_same_time(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    await book(uow_for, s, 0, TEN, 30)
    await book(uow_for, s, 1, TEN, 30)


async def test_a_cancelled_item_frees_its_time(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    await book(uow_for, s, 0, TEN, 30, BookingStatus.CANCELLED)
    await book(uow_for, s, 0, TEN, 30)


async def test_a_held_item_blocks_like_a_confirmed_one(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        booking = Booking(tenant_id=s.tenant_id, branch_id=s.branch_id, customer_id=s.customer.id, status="held",
                          source="whatsapp", hold_expires_at=TEN - timedelta(hours=1))
        booking.items.append(BookingItem(tenant_id=s.tenant_id, branch_id=s.branch_id, service_id=s.haircut.id,
                                         staff_id=s.stylists[0].id, starts_at=TEN,
                                         ends_at=TEN + timedelta(minutes=30), status="held", price_paise=50000))
        uow.session.add(booking)
        await uow.commit()
    with pytest.raises(IntegrityError, match="ex_booking_items_no_staff_overlap"):
        await book(uow_for, s, 0, TEN + timedelta(minutes=10), 10)
