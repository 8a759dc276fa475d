"""The waitlist: customers who want to be told when a slot frees on a day.

When a booking is cancelled, the freed start is offered to the first waiting customer whose services fit there,
as a hold they must confirm within OFFER_MINUTES. An offer not taken in time lapses and the slot goes to the next
in line. Lapsing is checked lazily by every waitlist call (and can be run by a worker), so no cron job is needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.errors import Conflict, InvalidInput, SlotUnavailable
from domain.models import (
    Booking,
    BookingStatus,
    Branch,
    Customer,
    StaffShift,
    StaffSkill,
    WaitlistEntry,
    WaitlistStatus,
)
from domain.scheduling.availability import bookable_window, plan_at
from domain.scheduling.calendar import load_calendar, load_services
from domain.scheduling.intervals import to_minute
from domain.uow import UnitOfWork

OFFER_MINUTES = 30


async def join_waitlist(uow: UnitOfWork, branch_id: uuid.UUID, customer_id: uuid.UUID, day: date,
                        service_ids: Sequence[uuid.UUID], *, staff_id: uuid.UUID | None = None) -> WaitlistEntry:
    tenant_id = uow.require_tenant()
    branch = await uow.get(Branch, branch_id, "branch")
    await uow.get(Customer, customer_id, "customer")
    if not service_ids:
        raise InvalidInput("Choose at least one service to wait for.")
    await load_services(uow, list(service_ids))
    if day < uow.clock.now().astimezone(ZoneInfo(branch.timezone)).date():
        raise InvalidInput("That day has passed.")
    if staff_id is not None:
        skilled = set(await uow.session.scalars(select(StaffSkill.service_id).join(
            StaffShift, StaffShift.staff_id == StaffSkill.staff_id).where(
            StaffSkill.staff_id == staff_id, StaffShift.branch_id == branch.id)))
        if not set(service_ids) <= skilled:
            raise InvalidInput("That stylist does not do all of these services at this branch.")
    existing = await uow.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.branch_id == branch.id, WaitlistEntry.customer_id == customer_id, WaitlistEntry.day == day,
        WaitlistEntry.status.in_([WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value])))
    if existing is not None:
        raise Conflict("You are already on the waitlist for that day.", entry_id=str(existing.id))
    entry = WaitlistEntry(tenant_id=tenant_id, branch_id=branch.id, customer_id=customer_id, day=day,
                          service_ids=list(service_ids), staff_id=staff_id)
    uow.session.add(entry)
    await uow.session.flush()
    uow.record("WaitlistJoined", entry_id=str(entry.id), customer_id=str(customer_id), day=day.isoformat())
    return entry


async def lapse_offers(uow: UnitOfWork, branch: Branch) -> None:
    """Offers past their time limit lapse; each freed start goes to the next in line."""
    now = uow.clock.now()
    lapsed = (await uow.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.branch_id == branch.id, WaitlistEntry.status == WaitlistStatus.OFFERED.value,
        WaitlistEntry.offer_expires_at <= now).order_by(WaitlistEntry.created_at).with_for_update())).all()
    for entry in lapsed:
        entry.status = WaitlistStatus.LAPSED.value
        offer = await uow.session.get(Booking, entry.offer_booking_id) if entry.offer_booking_id else None
        await uow.session.flush()
        uow.record("WaitlistOfferLapsed", entry_id=str(entry.id), customer_id=str(entry.customer_id))
        if offer is not None and offer.status == BookingStatus.HELD.value:
            from domain.scheduling.bookings import expire_holds, get_booking

            await expire_holds(uow)
            held = await get_booking(offer.id, uow)
            await offer_freed_time(uow, branch, min(item.starts_at for item in held.items), lapse_first=False)


async def offer_freed_time(uow: UnitOfWork, branch: Branch, start: datetime, *, lapse_first: bool = True) -> None:
    """Offer ``start`` to the first waiting customer whose services can be served then."""
    from domain.scheduling.bookings import BookingRequest, hold

    if lapse_first:
        await lapse_offers(uow, branch)
    zone_day = start.astimezone(ZoneInfo(branch.timezone)).date()
    waiting = (await uow.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.branch_id == branch.id, WaitlistEntry.day == zone_day,
        WaitlistEntry.status == WaitlistStatus.WAITING.value).order_by(WaitlistEntry.created_at))).all()
    if not waiting:
        return
    calendar = await load_calendar(uow, branch, zone_day, zone_day)
    earliest, latest = bookable_window(calendar, uow.clock.now())
    minute = to_minute(start)
    if not earliest <= minute <= latest:
        return
    for entry in waiting:
        services = await load_services(uow, list(entry.service_ids))
        if plan_at(calendar, services, minute, entry.staff_id) is None:
            continue
        try:
            offer = await hold(BookingRequest(branch_id=branch.id, customer_id=entry.customer_id,
                                              service_ids=list(entry.service_ids), starts_at=start,
                                              staff_id=entry.staff_id, source="whatsapp",
                                              notes="Offered from the waitlist"), uow, hold_minutes=OFFER_MINUTES)
        except SlotUnavailable:
            continue
        entry.status = WaitlistStatus.OFFERED.value
        entry.offer_booking_id = offer.id
        entry.offer_expires_at = offer.hold_expires_at
        await uow.session.flush()
        uow.record("WaitlistSlotOffered", entry_id=str(entry.id), customer_id=str(entry.customer_id),
                   booking_id=str(offer.id), starts_at=start.isoformat(),
                   expires_at=offer.hold_expires_at.isoformat() if offer.hold_expires_at else None)
        return


async def accept_offer(uow: UnitOfWork, entry_id: uuid.UUID) -> Booking:
    """The customer takes the offered slot: the hold becomes a confirmed booking."""
    from domain.scheduling.bookings import confirm

    entry = await uow.get(WaitlistEntry, entry_id, "waitlist entry")
    branch = await uow.get(Branch, entry.branch_id, "branch")
    await lapse_offers(uow, branch)
    if entry.status != WaitlistStatus.OFFERED.value or entry.offer_booking_id is None:
        raise Conflict("There is no open offer on this waitlist entry; it may have lapsed.", status=entry.status)
    booking = await confirm(entry.offer_booking_id, uow)
    entry.status = WaitlistStatus.BOOKED.value
    await uow.session.flush()
    return booking
