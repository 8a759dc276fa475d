"""A branch's calendar for a run of days, loaded in a handful of queries and held as minute intervals.

Everything availability needs is here: opening hours and holidays, each staff member's free time (shifts at
this branch, less breaks, leave and the time existing items keep them busy, at any branch), skills, the day's
booking counts (for fair "anyone" assignment), resource capacity and the resources already in use.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from domain.errors import NotFound
from domain.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingItem,
    Branch,
    BranchHoliday,
    BranchHours,
    Resource,
    Service,
    ServiceResourceNeed,
    Staff,
    StaffBreak,
    StaffLeave,
    StaffShift,
    StaffSkill,
)
from domain.scheduling.intervals import FreeTime, Span, Usage, intersect, normalise, subtract, to_minute
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class ServiceSpec:
    """What the engine needs to know of a service, in minutes."""

    id: uuid.UUID
    name: str
    duration: int
    gap_offset: int | None
    gap_length: int
    buffer: int
    price_paise: int
    needs: tuple[tuple[str, int], ...]

    def staff_segments(self, start: int) -> tuple[Span, ...]:
        """When the stylist works on it, starting at ``start``: around the gap, and through the buffer."""
        end = start + self.duration + self.buffer
        if self.gap_offset is None:
            return ((start, end),)
        return ((start, start + self.gap_offset), (start + self.gap_offset + self.gap_length, end))

    @classmethod
    def of(cls, service: Service, needs: list[tuple[str, int]]) -> ServiceSpec:
        return cls(id=service.id, name=service.name, duration=service.duration_min,
                   gap_offset=service.processing_offset_min if service.processing_min else None,
                   gap_length=service.processing_min, buffer=service.buffer_after_min,
                   price_paise=service.price_paise, needs=tuple(sorted(needs)))


@dataclass(frozen=True)
class StaffInfo:
    id: uuid.UUID
    name: str
    seniority: int
    skills: frozenset[uuid.UUID]


@dataclass
class BranchCalendar:
    branch: Branch
    zone: ZoneInfo
    days: list[date]
    opening: dict[date, list[Span]]
    staff: dict[uuid.UUID, StaffInfo]
    free: dict[tuple[uuid.UUID, date], FreeTime]
    booked: dict[tuple[uuid.UUID, date], int]
    capacity: dict[str, int]
    usage: dict[str, Usage]
    _order: dict[tuple[date, uuid.UUID], list[StaffInfo]] = field(default_factory=dict)

    def local_day(self, minute: int) -> date:
        return datetime.fromtimestamp(minute * 60, self.zone).date()

    def ranked_staff(self, day: date, service_id: uuid.UUID) -> list[StaffInfo]:
        """Who may do this service that day, in the "anyone" policy's order: fewest bookings that day, then the
        most senior, then by name."""
        key = (day, service_id)
        if key not in self._order:
            skilled = [info for info in self.staff.values() if service_id in info.skills]
            self._order[key] = sorted(skilled, key=lambda info: (self.booked.get((info.id, day), 0),
                                                                 -info.seniority, info.name))
        return self._order[key]


def _local_span(day: date, starts: time, ends: time, zone: ZoneInfo) -> Span:
    """A wall-clock interval on a local day, in UTC minutes (right across a DST change)."""
    return (to_minute(datetime.combine(day, starts, zone)), to_minute(datetime.combine(day, ends, zone)))


async def load_services(uow: UnitOfWork, service_ids: list[uuid.UUID]) -> list[ServiceSpec]:
    rows = {service.id: service for service in await uow.session.scalars(
        select(Service).where(Service.id.in_(service_ids), Service.active.is_(True)))}
    needs: dict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    for need in await uow.session.scalars(select(ServiceResourceNeed).where(
            ServiceResourceNeed.service_id.in_(service_ids))):
        needs[need.service_id].append((need.resource_type, need.quantity))
    missing = [str(service_id) for service_id in service_ids if service_id not in rows]
    if missing:
        raise NotFound("Some of those services do not exist or are not offered any more.", service_ids=missing)
    return [ServiceSpec.of(rows[service_id], needs[service_id]) for service_id in service_ids]


async def load_calendar(uow: UnitOfWork, branch: Branch, first_day: date, last_day: date, *,
                        ignore_booking: uuid.UUID | None = None) -> BranchCalendar:
    """The calendar from ``first_day`` to ``last_day`` (local dates, inclusive). ``ignore_booking``'s items are
    treated as free (used to reschedule a booking onto time it overlaps)."""
    zone = ZoneInfo(branch.timezone)
    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    window_start = datetime.combine(first_day, time(0), zone)
    window_end = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    session = uow.session
    now = uow.clock.now()

    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in await session.scalars(select(BranchHours).where(BranchHours.branch_id == branch.id)):
        hours[row.weekday].append((row.opens_at, row.closes_at))
    holidays = set(await session.scalars(select(BranchHoliday.day).where(
        BranchHoliday.branch_id == branch.id, BranchHoliday.day.between(first_day, last_day))))
    opening = {day: normalise(_local_span(day, opens, closes, zone) for opens, closes in hours.get(day.weekday(), []))
               if day not in holidays else [] for day in days}

    shifts = (await session.scalars(select(StaffShift).join(Staff, Staff.id == StaffShift.staff_id).where(
        StaffShift.branch_id == branch.id, Staff.active.is_(True)))).all()
    staff_ids = sorted({shift.staff_id for shift in shifts})
    people = {person.id: person for person in await session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))}
    skills: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for skill in await session.scalars(select(StaffSkill).where(StaffSkill.staff_id.in_(staff_ids))):
        skills[skill.staff_id].add(skill.service_id)
    breaks: dict[tuple[uuid.UUID, int], list[tuple[time, time]]] = defaultdict(list)
    for pause in await session.scalars(select(StaffBreak).where(StaffBreak.staff_id.in_(staff_ids))):
        breaks[(pause.staff_id, pause.weekday)].append((pause.starts_at, pause.ends_at))
    leave: dict[uuid.UUID, list[Span]] = defaultdict(list)
    for absence in await session.scalars(select(StaffLeave).where(
            StaffLeave.staff_id.in_(staff_ids), StaffLeave.starts_at < window_end,
            StaffLeave.ends_at > window_start)):
        leave[absence.staff_id].append((to_minute(absence.starts_at), to_minute(absence.ends_at)))

    # Items that keep these staff busy (at any branch) or use this branch's resources. A hold past its expiry
    # keeps nothing: it is as good as gone even before anyone marks it expired.
    live = or_(Booking.status != "held", Booking.hold_expires_at > now)
    active = [status.value for status in ACTIVE_STATUSES]
    items = (await session.execute(
        select(BookingItem.staff_id, BookingItem.branch_id, BookingItem.service_id, BookingItem.starts_at,
               BookingItem.ends_at, BookingItem.gap_starts_at, BookingItem.gap_ends_at, BookingItem.busy_until)
        .join(Booking, Booking.id == BookingItem.booking_id)
        .where(BookingItem.status.in_(active), live, BookingItem.starts_at < window_end,
               BookingItem.ends_at > window_start - timedelta(hours=6),
               or_(BookingItem.staff_id.in_(staff_ids), BookingItem.branch_id == branch.id),
               *([Booking.id != ignore_booking] if ignore_booking else [])))).all()
    busy: dict[uuid.UUID, list[Span]] = defaultdict(list)
    booked: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    service_ids = {item.service_id for item in items if item.branch_id == branch.id}
    needs: dict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    if service_ids:
        for need in await session.scalars(select(ServiceResourceNeed).where(
                ServiceResourceNeed.service_id.in_(service_ids))):
            needs[need.service_id].append((need.resource_type, need.quantity))
    uses: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for item in items:
        start, end = to_minute(item.starts_at), to_minute(item.busy_until or item.ends_at)
        if item.gap_starts_at is not None and item.gap_ends_at is not None:
            busy[item.staff_id] += [(start, to_minute(item.gap_starts_at)), (to_minute(item.gap_ends_at), end)]
        else:
            busy[item.staff_id].append((start, end))
        booked[(item.staff_id, item.starts_at.astimezone(zone).date())] += 1
        if item.branch_id == branch.id:
            for resource_type, quantity in needs[item.service_id]:
                uses[resource_type].append((start, end, quantity))

    free: dict[tuple[uuid.UUID, date], FreeTime] = {}
    shifts_by_staff: dict[tuple[uuid.UUID, int], list[tuple[time, time]]] = defaultdict(list)
    for shift in shifts:
        shifts_by_staff[(shift.staff_id, shift.weekday)].append((shift.starts_at, shift.ends_at))
    for staff_id in staff_ids:
        blocked = normalise(busy[staff_id] + leave[staff_id])
        for day in days:
            working = normalise(_local_span(day, s, e, zone) for s, e in shifts_by_staff.get((staff_id, day.weekday()),
                                                                                               []))
            working = intersect(working, opening[day])
            pauses = normalise(_local_span(day, s, e, zone) for s, e in breaks.get((staff_id, day.weekday()), []))
            free[(staff_id, day)] = FreeTime(subtract(subtract(working, pauses), blocked))

    capacity = {resource.resource_type: resource.quantity for resource in await session.scalars(
        select(Resource).where(Resource.branch_id == branch.id))}
    return BranchCalendar(
        branch=branch, zone=zone, days=days, opening=opening,
        staff={staff_id: StaffInfo(staff_id, people[staff_id].name, people[staff_id].seniority,
                                   frozenset(skills[staff_id])) for staff_id in staff_ids},
        free=free, booked=dict(booked), capacity=capacity,
        usage={resource_type: Usage(spans) for resource_type, spans in uses.items()})


__all__ = ["BranchCalendar", "ServiceSpec", "StaffInfo", "load_calendar", "load_services"]
