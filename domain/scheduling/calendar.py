"""A branch's calendar for a run of days, loaded in a handful of queries and held as minute intervals.

Everything availability needs is here: opening hours and holidays, each staff member's free time (shifts at
this branch, less breaks, leave and the time existing items keep them busy, at any branch), skills, the day's
booking counts (for fair "anyone" assignment), resource capacity and the resources already in use.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB

from domain.errors import NotFound
from domain.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingItem,
    Branch,
    Resource,
    Service,
    ServiceResourceNeed,
)
from domain.scheduling.intervals import (
    FreeTime,
    Span,
    Usage,
    from_minute,
    intersect,
    normalise,
    subtract,
    to_minute,
)
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


class DayClock:
    """Local wall-clock times of one day as UTC minutes. On an ordinary day that is midnight plus the minutes;
    on the day of a DST change each time is converted on its own."""

    __slots__ = ("day", "midnight", "uniform", "zone")

    def __init__(self, day: date, zone: ZoneInfo) -> None:
        self.day, self.zone = day, zone
        self.midnight = to_minute(datetime.combine(day, time(0), zone))
        following = to_minute(datetime.combine(day + timedelta(days=1), time(0), zone))
        self.uniform = following - self.midnight == 24 * 60

    def minute(self, wall: time) -> int:
        if self.uniform:
            return self.midnight + wall.hour * 60 + wall.minute
        return to_minute(datetime.combine(self.day, wall, self.zone))

    def span(self, starts: time, ends: time) -> Span:
        return (self.minute(starts), self.minute(ends))


@dataclass
class BranchCalendar:
    branch: Branch
    zone: ZoneInfo
    days: list[date]
    clocks: dict[date, DayClock]
    opening: dict[date, list[Span]]
    staff: dict[uuid.UUID, StaffInfo]
    free: dict[tuple[uuid.UUID, date], FreeTime]
    booked: dict[tuple[uuid.UUID, date], int]
    capacity: dict[str, int]
    usage: dict[str, Usage]
    _order: dict[tuple[date, uuid.UUID], list[StaffInfo]] = field(default_factory=dict)
    _midnights: list[int] = field(default_factory=list)

    def local_day(self, minute: int) -> date:
        if not self._midnights:
            self._midnights = [self.clocks[day].midnight for day in self.days]
        index = bisect_right(self._midnights, minute) - 1
        if 0 <= index < len(self.days) and minute < self._midnights[index] + 25 * 60:
            return self.days[index]
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


def _minutes(column: Any) -> Any:
    """A timestamp as whole minutes since the epoch, computed by the database. date_part (double precision),
    not extract (numeric): over thousands of rows the numeric arithmetic costs milliseconds."""
    return cast(func.floor(func.date_part(literal_column("'epoch'"), column) / 60), Integer)


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


_STATIC_SQL = text("""
    WITH roster AS (
        SELECT sh.staff_id, sh.weekday, sh.starts_at, sh.ends_at, s.name, s.seniority
        FROM staff_shifts sh JOIN staff s ON s.id = sh.staff_id
        WHERE sh.branch_id = :branch AND s.active
          AND (CAST(:services AS uuid[]) IS NULL OR sh.staff_id IN (
              SELECT staff_id FROM staff_skills WHERE service_id = ANY(CAST(:services AS uuid[]))))
    ), people AS (SELECT DISTINCT staff_id FROM roster)
    SELECT
      (SELECT coalesce(json_agg(json_build_array(weekday, opens_at, closes_at)), '[]')
         FROM branch_hours WHERE branch_id = :branch) AS hours,
      (SELECT coalesce(json_agg(day), '[]')
         FROM branch_holidays WHERE branch_id = :branch AND day BETWEEN :first AND :last) AS holidays,
      (SELECT coalesce(json_agg(json_build_array(staff_id, weekday, starts_at, ends_at, name, seniority)), '[]')
         FROM roster) AS roster,
      (SELECT coalesce(json_agg(json_build_array(staff_id, service_id)), '[]')
         FROM staff_skills WHERE staff_id IN (SELECT staff_id FROM people)) AS skills,
      (SELECT coalesce(json_agg(json_build_array(staff_id, weekday, starts_at, ends_at)), '[]')
         FROM staff_breaks WHERE staff_id IN (SELECT staff_id FROM people)) AS breaks,
      (SELECT coalesce(json_agg(json_build_array(staff_id,
                  floor(date_part('epoch', starts_at) / 60)::bigint, floor(date_part('epoch', ends_at) / 60)::bigint)),
                  '[]')
         FROM staff_leave WHERE staff_id IN (SELECT staff_id FROM people)
          AND starts_at < :window_end AND ends_at > :window_start) AS leave
""").columns(hours=JSONB, holidays=JSONB, roster=JSONB, skills=JSONB, breaks=JSONB, leave=JSONB)


async def load_calendar(uow: UnitOfWork, branch: Branch, first_day: date, last_day: date, *,
                        ignore_booking: uuid.UUID | None = None,
                        service_ids: Sequence[uuid.UUID] | None = None) -> BranchCalendar:
    """The calendar from ``first_day`` to ``last_day`` (local dates, inclusive).

    ``ignore_booking``'s items are treated as free (to reschedule a booking onto time it overlaps).
    ``service_ids`` limits the staff loaded to those who can do at least one of the services.
    Rows are read as plain tuples, not ORM objects: this runs on every availability question.
    """
    zone = ZoneInfo(branch.timezone)
    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    clocks = {day: DayClock(day, zone) for day in days}
    window_start = from_minute(clocks[first_day].midnight)
    window_end = from_minute(DayClock(last_day + timedelta(days=1), zone).midnight)
    session = uow.session
    now = uow.clock.now()

    # Opening hours, holidays, the roster, and the rostered staff's skills, breaks and leave: one round trip
    # (six separate queries cost more in round trips than in work). Each part comes back as a JSON array.
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    shifts: dict[tuple[uuid.UUID, int], list[tuple[time, time]]] = defaultdict(list)
    people: dict[uuid.UUID, tuple[str, int]] = {}
    skills: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    breaks: dict[tuple[uuid.UUID, int], list[tuple[time, time]]] = defaultdict(list)
    leave: dict[uuid.UUID, list[Span]] = defaultdict(list)
    static = (await session.execute(_STATIC_SQL, {
        "branch": branch.id, "first": first_day, "last": last_day, "window_start": window_start,
        "window_end": window_end, "services": list(service_ids) if service_ids is not None else None})).one()
    for weekday, opens, closes in static.hours:
        hours[weekday].append((time.fromisoformat(opens), time.fromisoformat(closes)))
    holidays = {date.fromisoformat(day) for day in static.holidays}
    opening = {day: normalise(clocks[day].span(opens, closes) for opens, closes in hours.get(day.weekday(), []))
               if day not in holidays else [] for day in days}
    for staff, weekday, starts, ends, name, seniority in static.roster:
        staff_id = uuid.UUID(staff)
        shifts[(staff_id, weekday)].append((time.fromisoformat(starts), time.fromisoformat(ends)))
        people[staff_id] = (name, seniority)
    staff_ids = sorted(people)
    for staff, service in static.skills:
        skills[uuid.UUID(staff)].add(uuid.UUID(service))
    for staff, weekday, starts, ends in static.breaks:
        breaks[(uuid.UUID(staff), weekday)].append((time.fromisoformat(starts), time.fromisoformat(ends)))
    for staff, away_from, away_until in static.leave:
        leave[uuid.UUID(staff)].append((int(away_from), int(away_until)))

    # Items that keep these staff busy (at any branch) or use this branch's resources. A hold past its expiry
    # keeps nothing: it is as good as gone even before anyone marks it expired. The database folds the items
    # into one row per stylist (and one per resource type) of minute arrays: thousands of rows would cost more
    # in row handling than everything else here together.
    live = or_(Booking.status != "held", Booking.hold_expires_at > now)
    active = [status.value for status in ACTIVE_STATUSES]
    item_filter = [BookingItem.status.in_(active), live, BookingItem.starts_at < window_end,
                   BookingItem.ends_at > window_start - timedelta(hours=6),
                   *([Booking.id != ignore_booking] if ignore_booking else [])]
    start_min = _minutes(BookingItem.starts_at)
    gap_start_min = _minutes(func.coalesce(BookingItem.gap_starts_at, BookingItem.starts_at))
    gap_end_min = _minutes(func.coalesce(BookingItem.gap_ends_at, BookingItem.starts_at))
    end_min = _minutes(func.coalesce(BookingItem.busy_until, BookingItem.ends_at))
    busy: dict[uuid.UUID, list[Span]] = defaultdict(list)
    booked: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    midnights = [(clocks[day].midnight, day) for day in days]
    if staff_ids:
        per_staff = await session.execute(
            select(BookingItem.staff_id, func.array_agg(start_min), func.array_agg(gap_start_min),
                   func.array_agg(gap_end_min), func.array_agg(end_min))
            .join(Booking, Booking.id == BookingItem.booking_id)
            .where(BookingItem.staff_id.in_(staff_ids), *item_filter).group_by(BookingItem.staff_id))
        for staff_id, item_starts, item_gap_starts, item_gap_ends, item_ends in per_staff:
            spans = busy[staff_id]
            for start, gap_start, gap_end, end in zip(item_starts, item_gap_starts, item_gap_ends, item_ends,
                                                      strict=True):
                # With no gap both gap columns equal the start: the first span is empty, the second whole.
                spans += ((start, gap_start), (gap_end, end))
                index = bisect_right(midnights, (start, date.max)) - 1
                if index >= 0:
                    booked[(staff_id, midnights[index][1])] += 1
    per_resource = await session.execute(
        select(ServiceResourceNeed.resource_type, func.array_agg(start_min), func.array_agg(end_min),
               func.array_agg(ServiceResourceNeed.quantity))
        .select_from(BookingItem).join(Booking, Booking.id == BookingItem.booking_id)
        .join(ServiceResourceNeed, ServiceResourceNeed.service_id == BookingItem.service_id)
        .where(BookingItem.branch_id == branch.id, *item_filter).group_by(ServiceResourceNeed.resource_type))
    usage = {resource_type: Usage(zip(use_starts, use_ends, quantities, strict=True))
             for resource_type, use_starts, use_ends, quantities in per_resource}

    free: dict[tuple[uuid.UUID, date], FreeTime] = {}
    for staff_id in staff_ids:
        blocked = normalise(busy[staff_id] + leave[staff_id])
        blocked_starts = [span[0] for span in blocked]
        for day in days:
            clock = clocks[day]
            working = normalise(clock.span(s, e) for s, e in shifts.get((staff_id, day.weekday()), []))
            working = intersect(working, opening[day])
            if working:
                pauses = normalise(clock.span(s, e) for s, e in breaks.get((staff_id, day.weekday()), []))
                # Only the busy spans that can touch this day's working time (the list covers the whole range).
                low = max(bisect_right(blocked_starts, working[0][0]) - 1, 0)
                high = bisect_right(blocked_starts, working[-1][1])
                working = subtract(subtract(working, pauses), blocked[low:high])
            free[(staff_id, day)] = FreeTime(working)

    capacity = {resource_type: quantity for resource_type, quantity in await session.execute(
        select(Resource.resource_type, Resource.quantity).where(Resource.branch_id == branch.id))}
    return BranchCalendar(
        branch=branch, zone=zone, days=days, clocks=clocks, opening=opening,
        staff={staff_id: StaffInfo(staff_id, people[staff_id][0], people[staff_id][1], frozenset(skills[staff_id]))
               for staff_id in staff_ids},
        free=free, booked=dict(booked), capacity=capacity, usage=usage)
