"""Availability: which start times can take a sequence of services, and who does each one.

Pure functions over a loaded ``BranchCalendar``: no I/O, so the same code answers a chat in milliseconds and
re-checks a slot inside the booking transaction.

Services run in the order given. Each starts when the one before has finished its buffer (the customer waits
while the station is cleaned). A stylist is busy from the start of a service to its processing gap, and from the
end of the gap to the end of the buffer; in the gap they may serve someone else. Resources (chairs, basins,
rooms) are held from the start of the service to the end of its buffer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.scheduling.calendar import BranchCalendar, DayClock, ServiceSpec, StaffInfo
from domain.scheduling.intervals import Span, to_minute


@dataclass(frozen=True)
class PlannedItem:
    service: ServiceSpec
    staff_id: uuid.UUID
    staff_name: str
    starts: int
    ends: int

    @property
    def gap(self) -> Span | None:
        if self.service.gap_offset is None:
            return None
        start = self.starts + self.service.gap_offset
        return (start, start + self.service.gap_length)

    @property
    def busy_until(self) -> int:
        return self.ends + self.service.buffer


@dataclass(frozen=True)
class Plan:
    """One way to serve the request: a start time and who does what when."""

    starts: int
    items: tuple[PlannedItem, ...]

    @property
    def ends(self) -> int:
        return self.items[-1].ends


def _resources_free(calendar: BranchCalendar, service: ServiceSpec, start: int, end: int) -> bool:
    for resource_type, quantity in service.needs:
        capacity = calendar.capacity.get(resource_type, 0)
        usage = calendar.usage.get(resource_type)
        if (usage.peak(start, end) if usage else 0) + quantity > capacity:
            return False
    return True


def plan_at(calendar: BranchCalendar, services: Sequence[ServiceSpec], start: int,
            staff_id: uuid.UUID | None = None) -> Plan | None:
    """The plan for starting at ``start`` (UTC minute), or None when it cannot be served then.

    ``staff_id``: the customer's preferred staff member, used for every service they can do; the others go to
    "anyone". "Anyone" keeps the previous service's stylist when they are free, and otherwise picks the skilled
    person with the fewest bookings that day, then the most senior, then by name.
    """
    items: list[PlannedItem] = []
    cursor = start
    for service in services:
        day = calendar.local_day(cursor)
        segments = service.staff_segments(cursor)
        if not _resources_free(calendar, service, cursor, cursor + service.duration + service.buffer):
            return None
        ranked = calendar.ranked_staff(day, service.id)
        preferred = [info for info in ranked if info.id == staff_id]
        previous = [info for info in ranked if items and info.id == items[-1].staff_id]
        chosen = _first_free(calendar, preferred or previous + ranked, day, segments, items)
        if chosen is None:
            return None
        items.append(PlannedItem(service, chosen.id, chosen.name, cursor, cursor + service.duration))
        cursor += service.duration + service.buffer
    return Plan(start, tuple(items))


def _first_free(calendar: BranchCalendar, candidates: Sequence[StaffInfo], day: date, segments: Sequence[Span],
                planned: Sequence[PlannedItem]) -> StaffInfo | None:
    for info in candidates:
        free = calendar.free.get((info.id, day))
        if free is None or not all(free.covers(start, end) for start, end in segments):
            continue
        # Earlier items of this same request keep their stylist busy too.
        if any(item.staff_id == info.id and _overlaps(item, segments) for item in planned):
            continue
        return info
    return None


def _overlaps(item: PlannedItem, segments: Sequence[Span]) -> bool:
    own = item.service.staff_segments(item.starts)
    return any(a < d and c < b for a, b in own for c, d in segments)


def grid(calendar: BranchCalendar, day: date) -> list[int]:
    """Start times on the branch's slot grid (wall clock, from local midnight) inside its opening hours."""
    step = calendar.branch.slot_minutes
    opening = calendar.opening.get(day, [])
    if not opening:
        return []
    clock = calendar.clocks.get(day) or DayClock(day, calendar.zone)
    walls = range(0, 24 * 60, step)
    if clock.uniform:
        candidates = [clock.midnight + wall for wall in walls]
    else:  # the day of a DST change: each wall-clock time on its own
        candidates = [clock.minute(time(wall // 60, wall % 60)) for wall in walls]
    return [minute for minute in candidates if any(open_ <= minute < close for open_, close in opening)]


def bookable_window(calendar: BranchCalendar, now: datetime) -> Span:
    """From now plus the minimum lead time to the end of the booking horizon."""
    earliest = to_minute(now) + calendar.branch.min_lead_min
    return (earliest, to_minute(now) + calendar.branch.horizon_days * 24 * 60)


def find_slots(calendar: BranchCalendar, services: Sequence[ServiceSpec], now: datetime, *,
               staff_id: uuid.UUID | None = None, days: Sequence[date] | None = None,
               limit: int = 500) -> list[Plan]:
    """Every bookable start in ``days`` (default: the calendar's days), earliest first."""
    earliest, latest = bookable_window(calendar, now)
    plans: list[Plan] = []
    for day in days or calendar.days:
        for start in grid(calendar, day):
            if start < earliest or start > latest:
                continue
            plan = plan_at(calendar, services, start, staff_id)
            if plan is not None and (staff_id is None or any(i.staff_id == staff_id for i in plan.items)):
                plans.append(plan)
                if len(plans) >= limit:
                    return plans
    return plans


@dataclass(frozen=True)
class Alternative:
    kind: str  # earlier_same_day | later_same_day | other_staff | other_day
    plan: Plan


def alternatives(calendar: BranchCalendar, services: Sequence[ServiceSpec], wanted: int, now: datetime, *,
                 staff_id: uuid.UUID | None = None, per_kind: int = 2) -> list[Alternative]:
    """The nearest ways to serve a request whose time is taken: earlier or later the same day, the same time
    with someone else, and the same time on other days (nearest first). ``calendar`` should span a week or so
    around ``wanted``."""
    earliest, latest = bookable_window(calendar, now)
    day = calendar.local_day(wanted)
    found: list[Alternative] = []
    same_day = [start for start in grid(calendar, day) if earliest <= start <= latest and start != wanted]
    before = [s for s in reversed(same_day) if s < wanted]
    after = [s for s in same_day if s > wanted]
    for kind, starts in (("earlier_same_day", before), ("later_same_day", after)):
        count = 0
        for start in starts:
            plan = plan_at(calendar, services, start, staff_id)
            if plan is not None:
                found.append(Alternative(kind, plan))
                count += 1
                if count >= per_kind:
                    break
    if staff_id is not None and earliest <= wanted <= latest:
        plan = plan_at(calendar, services, wanted, None)
        if plan is not None:
            found.append(Alternative("other_staff", plan))
    wall = datetime.fromtimestamp(wanted * 60, calendar.zone)
    count = 0
    for offset in (1, -1, 2, -2, 3, -3, 4, 5, 6, 7):
        other = day + timedelta(days=offset)
        if other not in calendar.opening:
            continue
        start = to_minute(datetime.combine(other, wall.time(), calendar.zone))
        if not earliest <= start <= latest:
            continue
        plan = plan_at(calendar, services, start, staff_id)
        if plan is not None:
            found.append(Alternative("other_day", plan))
            count += 1
            if count >= per_kind:
                break
    return found
