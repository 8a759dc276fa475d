"""The tools' answers: bookings, slots and waitlist entries as plain, JSON-ready models.

Times are UTC instants (serialised as ISO 8601 with ``Z``) plus the branch's wall clock in words, because a
model reading "04:30Z" will get an Indian customer's appointment wrong. Money is paise, with rupees alongside
for showing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from domain.models import Booking, Branch, Service, Staff, WaitlistEntry
from domain.uow import UnitOfWork

LOCAL_FORMAT = "%a %d %b %Y %H:%M"


def rupees(paise: int) -> str:
    """Indian grouping, paise only when there are some: 50000 -> "₹500", 12345678 -> "₹1,23,456.78"."""
    whole, part = divmod(abs(paise), 100)
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = [head[max(0, end - 2):end] for end in range(len(head), 0, -2)][::-1]
        digits = ",".join([*groups, tail])
    sign = "-" if paise < 0 else ""
    return f"{sign}₹{digits}" + (f".{part:02d}" if part else "")


class StaffRef(BaseModel):
    id: uuid.UUID
    name: str


class BookingItemView(BaseModel):
    service_id: uuid.UUID
    service: str
    staff_id: uuid.UUID
    staff: str
    starts_at: datetime
    ends_at: datetime
    price_paise: int


class BookingView(BaseModel):
    id: uuid.UUID
    status: str = Field(description="held, confirmed, checked_in, completed, cancelled, no_show or expired")
    branch_id: uuid.UUID
    customer_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    local_time: str = Field(description="The start on the branch's wall clock, e.g. 'Fri 27 Nov 2026 11:00'.")
    timezone: str
    items: list[BookingItemView]
    total_price_paise: int
    total_price: str
    hold_expires_at: datetime | None = Field(description="A held booking lapses at this instant unless confirmed.")
    reschedule_count: int


class BookingList(BaseModel):
    bookings: list[BookingView]


class WaitlistView(BaseModel):
    id: uuid.UUID
    status: str
    branch_id: uuid.UUID
    customer_id: uuid.UUID
    day: date
    service_ids: list[uuid.UUID]
    staff_id: uuid.UUID | None


async def _lookup(uow: UnitOfWork, key: InstrumentedAttribute[uuid.UUID], value: InstrumentedAttribute[str],
                  ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {row[0]: row[1] for row in await uow.session.execute(select(key, value).where(key.in_(ids)))}


async def booking_views(bookings: Sequence[Booking], uow: UnitOfWork) -> list[BookingView]:
    """Views of several bookings with three queries in all (names of services, staff and branches)."""
    services = await _lookup(uow, Service.id, Service.name,
                             {item.service_id for booking in bookings for item in booking.items})
    staff = await _lookup(uow, Staff.id, Staff.name, {item.staff_id for booking in bookings for item in booking.items})
    zones = await _lookup(uow, Branch.id, Branch.timezone, {booking.branch_id for booking in bookings})
    views = []
    for booking in bookings:
        items = sorted(booking.items, key=lambda item: item.position)
        zone = zones.get(booking.branch_id, "Asia/Kolkata")
        starts_at = min(item.starts_at for item in items)
        total = sum(item.price_paise for item in items)
        views.append(BookingView(
            id=booking.id, status=booking.status, branch_id=booking.branch_id, customer_id=booking.customer_id,
            starts_at=starts_at, ends_at=max(item.ends_at for item in items),
            local_time=starts_at.astimezone(ZoneInfo(zone)).strftime(LOCAL_FORMAT), timezone=zone,
            items=[BookingItemView(service_id=item.service_id, service=services.get(item.service_id, "?"),
                                   staff_id=item.staff_id, staff=staff.get(item.staff_id, "?"),
                                   starts_at=item.starts_at, ends_at=item.ends_at, price_paise=item.price_paise)
                   for item in items],
            total_price_paise=total, total_price=rupees(total), hold_expires_at=booking.hold_expires_at,
            reschedule_count=booking.reschedule_count))
    return views


async def booking_view(booking: Booking, uow: UnitOfWork) -> BookingView:
    return (await booking_views([booking], uow))[0]


def waitlist_view(entry: WaitlistEntry) -> WaitlistView:
    return WaitlistView(id=entry.id, status=entry.status, branch_id=entry.branch_id, customer_id=entry.customer_id,
                        day=entry.day, service_ids=list(entry.service_ids), staff_id=entry.staff_id)
