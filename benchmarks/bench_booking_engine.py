"""The booking engine under load: availability latency, conflicting bookings, and booking throughput.

    .venv/bin/python benchmarks/bench_booking_engine.py [--staff 20] [--days 14] [--runs 200] [--attempts 200]
                                                        [--bookings 1000] [--concurrency 8] [--json]

One salon, one branch (Asia/Kolkata, open 10:00-21:00 every day; 20 chairs, 4 wash basins, 2 facial rooms),
14 services (processing gaps, buffers, resource needs), stylists with varied skills, weekly shifts with a day
off and a break, 300 customers, and confirmed bookings filling about 55% of the stylists' working time over the
next ``--days`` days. The clock stands still at 09:00 local on Monday 7 January 2030 and everything random
comes from random.Random(42), so two runs see the same salon.

1. availability(): each call in its own unit of work (load the calendar from the database, then compute).
2. conflicts: ``--attempts`` concurrent book() calls, ten per (staff, start): exactly one may win each slot,
   every loser must be offered alternatives, and no two active items of one stylist may overlap.
3. throughput: ``--bookings`` book() calls at distinct free (staff, start) pairs with ``--concurrency``
   workers, then a tenth as many with one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cazo.database import make_app_engine, make_owner_engine, migrate
from cazo.embedded_db import EPHEMERAL_SETTINGS, EmbeddedPostgres
from domain.clock import FixedClock
from domain.errors import SlotUnavailable
from domain.hours import Interval
from domain.models import Booking, BookingItem, BookingStatus, Branch, Customer
from domain.scheduling.availability import bookable_window, find_slots, grid
from domain.scheduling.bookings import BookingRequest, availability, book
from domain.scheduling.calendar import BranchCalendar, ServiceSpec, load_calendar, load_services
from domain.scheduling.intervals import from_minute, to_minute
from domain.seeding.history import customer_rows
from domain.services.catalog import AddService, add_category, add_service
from domain.services.staff import AddStaff, add_staff
from domain.services.tenancy import CreateBranch, CreateTenant, create_branch, create_tenant, set_resource
from domain.uow import Actor, UnitOfWork, make_session_factory

APP_ROLE = "cazo_app"
ACTOR = Actor.system("bench")
ZONE = ZoneInfo("Asia/Kolkata")
FIRST_DAY = date(2030, 1, 7)  # a Monday
NOW = datetime.combine(FIRST_DAY, clock_time(9, 0), ZONE)  # an hour before opening: the whole first day is open
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN, CLOSE = clock_time(10, 0), clock_time(21, 0)
SLOT_MIN = 15
CUSTOMERS = 300
BOOK_PROBABILITY = 0.55  # chance that a free quarter-hour starts a booking: about 55% of working time booked
ACTIVE_SQL = "('held', 'confirmed', 'checked_in')"
DOUBLE_BOOKING_SQL = (
    "SELECT count(*) FROM booking_items a JOIN booking_items b "
    "ON a.staff_id = b.staff_id AND a.id < b.id AND a.staff_busy && b.staff_busy "
    f"WHERE a.status IN {ACTIVE_SQL} AND b.status IN {ACTIVE_SQL}")
TARGET_AVAILABILITY_P95_MS = 20.0
TARGET_BOOKINGS_PER_S = 300.0


@dataclass(frozen=True)
class ServiceDef:
    key: str
    name: str
    category: str
    duration: int
    price_paise: int
    gap: tuple[int, int] | None = None  # (offset, length) of the processing gap
    buffer: int = 0
    needs: tuple[tuple[str, int], ...] = ()


SERVICES = (
    ServiceDef("cut_women", "Haircut (women)", "Hair", 45, 80000, needs=(("chair", 1),)),
    ServiceDef("cut_men", "Haircut (men)", "Hair", 30, 40000, needs=(("chair", 1),)),
    ServiceDef("fringe", "Fringe trim", "Hair", 15, 20000, needs=(("chair", 1),)),
    ServiceDef("beard", "Beard trim", "Hair", 15, 25000, needs=(("chair", 1),)),
    ServiceDef("blow_dry", "Wash and blow dry", "Hair", 45, 60000, buffer=5,
               needs=(("chair", 1), ("wash_basin", 1))),
    ServiceDef("colour", "Global colour", "Colour", 120, 450000, gap=(30, 45), buffer=15,
               needs=(("chair", 1), ("wash_basin", 1))),
    ServiceDef("roots", "Root touch-up", "Colour", 75, 180000, gap=(20, 30), buffer=10, needs=(("chair", 1),)),
    ServiceDef("highlights", "Highlights", "Colour", 150, 550000, gap=(60, 40), buffer=15, needs=(("chair", 1),)),
    ServiceDef("keratin", "Keratin treatment", "Colour", 180, 800000, gap=(60, 60), buffer=15,
               needs=(("chair", 1), ("wash_basin", 1))),
    ServiceDef("facial", "Facial", "Skin", 60, 150000, buffer=10, needs=(("facial_room", 1),)),
    ServiceDef("cleanup", "Clean-up", "Skin", 45, 90000, buffer=10, needs=(("facial_room", 1),)),
    ServiceDef("manicure", "Manicure", "Nails", 30, 70000),
    ServiceDef("pedicure", "Pedicure", "Nails", 45, 90000, buffer=5),
    ServiceDef("threading", "Threading", "Skin", 15, 10000),
)
RESOURCES = (("chair", "Styling chair", 20), ("wash_basin", "Wash basin", 4), ("facial_room", "Facial room", 2))
# (core skills, extras each picked with probability one half), and how a booking's first service is weighted.
ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hair": (("cut_women", "cut_men", "fringe", "blow_dry"), ("colour", "roots", "beard")),
    "colour": (("colour", "roots", "highlights", "fringe"), ("keratin", "blow_dry", "cut_women")),
    "barber": (("cut_men", "beard", "fringe"), ("blow_dry", "roots")),
    "beauty": (("facial", "cleanup", "manicure", "threading"), ("pedicure",)),
}
ROLE_CYCLE = ("hair",) * 7 + ("colour",) * 4 + ("barber",) * 4 + ("beauty",) * 5
WEIGHTS = {"cut_women": 5, "cut_men": 5, "fringe": 1, "beard": 3, "blow_dry": 3, "colour": 2, "roots": 2,
           "highlights": 1, "keratin": 1, "facial": 3, "cleanup": 3, "manicure": 4, "pedicure": 3, "threading": 4}
NAMES = ("Asha", "Vikram", "Meera", "Rohan", "Priya", "Imran", "Kavya", "Arjun", "Sana", "Dev", "Nisha", "Farhan",
         "Pooja", "Kabir", "Ritu", "Aman", "Zoya", "Harsh", "Leela", "Yusuf")


@dataclass
class StaffSetup:
    id: uuid.UUID
    name: str
    role: str
    skills: tuple[str, ...]
    shift: tuple[clock_time, clock_time]
    pause: tuple[clock_time, clock_time]
    day_off: int


@dataclass
class Salon:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    services: dict[str, uuid.UUID]
    staff: list[StaffSetup]
    customers: list[uuid.UUID] = field(default_factory=list)


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)], 2),
            "mean_ms": round(statistics.fmean(ordered), 2)}


class StatementMeter:
    """Counts the SQL statements an engine runs and the time spent in them (driver and server: round trip,
    planning, execution, lock waits, fetching and decoding rows), from the cursor events."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine.sync_engine
        self.statements = 0
        self.seconds = 0.0

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        context.bench_started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.statements += 1
        self.seconds += time.perf_counter() - context.bench_started

    def __enter__(self) -> StatementMeter:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def t(value: str) -> clock_time:
    return clock_time.fromisoformat(value)


def plan_staff(rng: random.Random, count: int) -> list[tuple[str, str, tuple[str, ...], tuple[clock_time, clock_time],
                                                             tuple[clock_time, clock_time], int, int]]:
    """(name, role, skills, shift, break, day off, seniority) for each stylist: early and late shifts, varied
    breaks, days off spread over the week."""
    people = []
    for index in range(count):
        role = ROLE_CYCLE[index % len(ROLE_CYCLE)]
        core, extras = ROLES[role]
        skills = core + tuple(extra for extra in extras if rng.random() < 0.5)
        if index % 2 == 0:
            shift, pause_start = (t("10:00"), t("19:00")), rng.choice(("13:30", "14:00", "14:30", "15:00"))
        else:
            shift, pause_start = (t("12:00"), t("21:00")), rng.choice(("16:00", "16:30", "17:00", "17:30"))
        start = t(pause_start)
        pause = (start, (datetime.combine(FIRST_DAY, start) + timedelta(minutes=rng.choice((30, 45)))).time())
        name = NAMES[index % len(NAMES)] + (f" {index // len(NAMES) + 1}" if index >= len(NAMES) else "")
        people.append((name, role, skills, shift, pause, (index * 3) % 7, rng.randrange(0, 12)))
    return people


async def build_salon(sessions: async_sessionmaker[AsyncSession], clock: FixedClock, rng: random.Random,
                      staff_count: int) -> Salon:
    """The tenant, branch, menu and staff through the domain services, as an owner would set them up."""
    tenant_id = uuid.uuid4()
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=ACTOR, clock=clock) as uow:
        await create_tenant(CreateTenant(slug=f"bench-{tenant_id.hex[:12]}", name="Bench Salon"), uow)
        branch = await create_branch(CreateBranch(
            slug="main", name="Bandra West", address_line1="14 Hill Road", city="Mumbai", state_code="27",
            timezone="Asia/Kolkata", hours={day: [f"{OPEN:%H:%M}-{CLOSE:%H:%M}"] for day in WEEK}), uow)
        for resource_type, name, quantity in RESOURCES:
            await set_resource(branch.id, resource_type, name, quantity, uow)
        categories = {}
        for order, category in enumerate(dict.fromkeys(service.category for service in SERVICES)):
            categories[category] = (await add_category(category, uow, sort_order=order)).id
        services = {}
        for service in SERVICES:
            created = await add_service(AddService(
                category_id=categories[service.category], name=service.name, duration_min=service.duration,
                price_paise=service.price_paise, processing_offset_min=service.gap[0] if service.gap else None,
                processing_min=service.gap[1] if service.gap else 0, buffer_after_min=service.buffer,
                resource_needs=dict(service.needs)), uow)
            services[service.key] = created.id
        staff = []
        for name, role, skills, shift, pause, day_off, seniority in plan_staff(rng, staff_count):
            week: dict[int | str, list[str | Interval]] = {
                day: [f"{shift[0]:%H:%M}-{shift[1]:%H:%M}"] for number, day in enumerate(WEEK) if number != day_off}
            breaks: dict[int | str, list[str | Interval]] = {
                day: [f"{pause[0]:%H:%M}-{pause[1]:%H:%M}"] for day in week}
            member = await add_staff(AddStaff(branch_id=branch.id, name=name, role="stylist", seniority=seniority,
                                              skills=[services[key] for key in skills], shifts=week, breaks=breaks),
                                     uow)
            staff.append(StaffSetup(member.id, name, role, skills, shift, pause, day_off))
        await uow.commit()
    return Salon(tenant_id, branch.id, services, staff)


def existing_bookings(salon: Salon, rng: random.Random, days: Sequence[date]) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]], dict[str, float]]:
    """Confirmed bookings, walked stylist by stylist through each shift so that no two overlap: a free quarter
    hour starts a booking with BOOK_PROBABILITY, never across the break or past the shift's end, and never when a
    basin, room or chair would run out. Returns (bookings, items, stats)."""
    by_key = {service.key: service for service in SERVICES}
    capacity = {resource_type: quantity for resource_type, _, quantity in RESOURCES}
    in_use: dict[str, Counter[int]] = defaultdict(Counter)  # resource type -> 5-minute bucket -> units in use
    bookings: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    busy_total = working_total = 0
    step = timedelta(minutes=SLOT_MIN)

    def fits(needs: list[tuple[str, int, int, int]]) -> bool:
        return all(in_use[kind][bucket] + quantity <= capacity[kind]
                   for kind, quantity, start, end in needs for bucket in range(start // 5, end // 5))

    for member in salon.staff:
        weights = [WEIGHTS[key] for key in member.skills]
        for day in days:
            if day.weekday() == member.day_off:
                continue
            cursor = datetime.combine(day, member.shift[0], ZONE)
            shift_end = datetime.combine(day, member.shift[1], ZONE)
            pause = (datetime.combine(day, member.pause[0], ZONE), datetime.combine(day, member.pause[1], ZONE))
            working_total += int((shift_end - cursor - (pause[1] - pause[0])).total_seconds()) // 60
            while cursor < shift_end:
                if pause[0] <= cursor < pause[1]:
                    cursor = pause[1]
                    continue
                if rng.random() > BOOK_PROBABILITY:
                    cursor += step * rng.choice((1, 1, 2))
                    continue
                chosen = [by_key[rng.choices(member.skills, weights)[0]]]
                if len(member.skills) > 1 and rng.random() < 0.12:
                    chosen.append(by_key[rng.choice([key for key in member.skills if key != chosen[0].key])])
                planned, needs, start = [], [], cursor
                for service in chosen:
                    end = start + timedelta(minutes=service.duration)
                    busy_until = end + timedelta(minutes=service.buffer)
                    planned.append((service, start, end, busy_until))
                    needs += [(kind, quantity, to_minute(start), to_minute(busy_until))
                              for kind, quantity in service.needs]
                    start = busy_until
                finish = planned[-1][3]
                if finish > shift_end or (cursor < pause[1] and pause[0] < finish) or not fits(needs):
                    cursor += step
                    continue
                for kind, quantity, first, last in needs:
                    for bucket in range(first // 5, last // 5):
                        in_use[kind][bucket] += quantity
                booking_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                bookings.append({"id": booking_id, "tenant_id": salon.tenant_id, "branch_id": salon.branch_id,
                                 "customer_id": rng.choice(salon.customers), "status": BookingStatus.CONFIRMED.value,
                                 "source": rng.choice(("whatsapp", "whatsapp", "console", "walk_in")),
                                 "hold_expires_at": None})
                for position, (service, starts, ends, busy_until) in enumerate(planned):
                    gap = service.gap
                    items.append({
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4), "tenant_id": salon.tenant_id,
                        "booking_id": booking_id, "branch_id": salon.branch_id,
                        "service_id": salon.services[service.key], "staff_id": member.id, "position": position,
                        "starts_at": starts.astimezone(UTC), "ends_at": ends.astimezone(UTC),
                        "gap_starts_at": (starts + timedelta(minutes=gap[0])).astimezone(UTC) if gap else None,
                        "gap_ends_at": (starts + timedelta(minutes=gap[0] + gap[1])).astimezone(UTC) if gap else None,
                        "busy_until": busy_until.astimezone(UTC) if service.buffer else None,
                        "status": BookingStatus.CONFIRMED.value, "price_paise": service.price_paise})
                    busy_total += service.duration + service.buffer - (gap[1] if gap else 0)
                # Back on the quarter-hour grid after the last buffer.
                cursor = finish + timedelta(minutes=-finish.minute % SLOT_MIN)
    stats = {"bookings": len(bookings), "items": len(items),
             "staff_time_booked_pct": round(100 * busy_total / working_total, 1) if working_total else 0.0}
    return bookings, items, stats


async def seed(sessions: async_sessionmaker[AsyncSession], clock: FixedClock, rng: random.Random,
               args: argparse.Namespace) -> tuple[Salon, dict[str, Any]]:
    started = time.perf_counter()
    salon = await build_salon(sessions, clock, rng, args.staff)
    built = time.perf_counter() - started
    days = [FIRST_DAY + timedelta(days=offset) for offset in range(args.days)]
    async with UnitOfWork(sessions, tenant_id=salon.tenant_id, actor=ACTOR, clock=clock) as uow:
        customers = customer_rows(salon.tenant_id, CUSTOMERS, rng, clock.now())
        salon.customers = [row["id"] for row in customers]
        bookings, items, stats = existing_bookings(salon, rng, days)
        for model, rows in ((Customer, customers), (Booking, bookings), (BookingItem, items)):
            for chunk in range(0, len(rows), 2000):
                await uow.session.execute(insert(model), rows[chunk:chunk + 2000])
        await uow.commit()
    return salon, {"staff": len(salon.staff), "services": len(SERVICES), "customers": len(customers),
                   "days": args.days, **stats, "build_salon_s": round(built, 2),
                   "seed_s": round(time.perf_counter() - started, 2)}


# -- 1. availability -------------------------------------------------------------------------------------------


@dataclass
class Bench:
    """What every section needs: the app engine and its sessions, the owner engine, the clock and the salon."""

    app: Any
    owner: Any
    sessions: async_sessionmaker[AsyncSession]
    clock: FixedClock
    salon: Salon
    rng: random.Random
    args: argparse.Namespace
    connection_waits: list[float] = field(default_factory=list)  # ms from an attempt's start to its connection

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, tenant_id=self.salon.tenant_id, actor=ACTOR, clock=self.clock)

    @property
    def window(self) -> tuple[date, date]:
        return FIRST_DAY, FIRST_DAY + timedelta(days=self.args.days - 1)


def availability_queries(salon: Salon) -> list[tuple[str, list[uuid.UUID], uuid.UUID | None, int]]:
    """(label, services, preferred staff, limit). The limit is availability()'s default, 200, except in the
    last query: the first one uncapped, so every start of the range is planned (the worst case)."""
    favourite = next(member for member in salon.staff if member.role == "hair")
    one = [salon.services["cut_women"]]
    three = [salon.services[key] for key in ("colour", "cut_women", "manicure")]
    return [("one service, anyone", one, None, 200), ("three services, anyone", three, None, 200),
            ("one service, preferred staff", one, favourite.id, 200),
            ("one service, anyone, no limit", one, None, 100_000)]


async def availability_latency(bench: Bench) -> list[dict[str, Any]]:
    first, last = bench.window
    results = []
    for label, service_ids, staff_id, limit in availability_queries(bench.salon):
        # The uncapped worst case is extra: a quarter of the runs keeps the whole benchmark under three minutes.
        runs = bench.args.runs if limit == 200 else max(bench.args.runs // 4, 10)

        async def call(service_ids: list[uuid.UUID] = service_ids, staff_id: uuid.UUID | None = staff_id,
                       limit: int = limit) -> int:
            async with bench.uow() as uow:
                _, plans = await availability(uow, bench.salon.branch_id, service_ids, first, last,
                                              staff_id=staff_id, limit=limit)
            return len(plans)

        for _ in range(bench.args.warmup):
            await call()
        samples, slots = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            slots = await call()
            samples.append((time.perf_counter() - started) * 1000)
        breakdown = await availability_breakdown(bench, service_ids, staff_id, limit, max(bench.args.runs // 10, 10))
        results.append({"query": label, "services": len(service_ids), "limit": limit, "runs": runs,
                        "slots": slots, **percentiles(samples), "breakdown_p50_ms": breakdown})
        log(f"  {label}: p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms, {slots} slots")
    return results


async def availability_breakdown(bench: Bench, service_ids: list[uuid.UUID], staff_id: uuid.UUID | None,
                                 limit: int, runs: int) -> dict[str, float]:
    """availability()'s steps timed one by one (medians of ``runs`` calls), and the SQL it sends: where the time
    of a query goes. ``sql_statements``/``sql_ms`` cover the whole call, transaction set-up included."""
    first, last = bench.window
    parts: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        with StatementMeter(bench.app) as meter:
            mark = started = time.perf_counter()

            def lap(name: str) -> None:
                nonlocal mark
                now = time.perf_counter()
                parts[name].append((now - mark) * 1000)
                mark = now

            async with bench.uow() as uow:
                branch = await uow.get(Branch, bench.salon.branch_id, "branch")
                lap("begin_and_branch")
                services = await load_services(uow, service_ids)
                lap("load_services")
                calendar = await load_calendar(uow, branch, first, last)
                lap("load_calendar")
                find_slots(calendar, services, bench.clock.now(), staff_id=staff_id, limit=limit)
                lap("find_slots")
            lap("close")
        parts["total"].append((time.perf_counter() - started) * 1000)
        parts["sql_statements"].append(meter.statements)
        parts["sql_ms"].append(meter.seconds * 1000)
    return {name: round(statistics.median(samples), 2) for name, samples in parts.items()}


async def profile_availability(bench: Bench) -> str:
    """cProfile of 50 multi-service availability calls, by cumulative time (coroutines count once per resume)."""
    first, last = bench.window
    _, service_ids, _, _ = availability_queries(bench.salon)[1]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        async with bench.uow() as uow:
            await availability(uow, bench.salon.branch_id, service_ids, first, last)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


# -- 2. conflicting bookings -----------------------------------------------------------------------------------


def shortest_service(member: StaffSetup) -> str:
    by_key = {service.key: service for service in SERVICES}
    return min(member.skills, key=lambda key: (by_key[key].duration + by_key[key].buffer, len(by_key[key].needs)))


async def current_calendar(bench: Bench) -> tuple[BranchCalendar, dict[str, ServiceSpec]]:
    """The branch's calendar as it stands, and the engine's view of every service (by key)."""
    first, last = bench.window
    async with bench.uow() as uow:
        branch = await uow.get(Branch, bench.salon.branch_id, "branch")
        calendar = await load_calendar(uow, branch, first, last)
        keys = list(bench.salon.services)
        specs = await load_services(uow, [bench.salon.services[key] for key in keys])
    return calendar, dict(zip(keys, specs, strict=True))


def _room(calendar: BranchCalendar, mine: dict[str, list[tuple[int, int]]], kind: str, start: int, end: int) -> int:
    """Units of ``kind`` in use over [start, end): the calendar's peak plus every overlapping pick of ours (an
    upper bound, so our picks never push a resource past its capacity)."""
    usage = calendar.usage.get(kind)
    return (usage.peak(start, end) if usage else 0) + sum(1 for a, b in mine[kind] if a < end and start < b)


def _take(calendar: BranchCalendar, mine: dict[str, list[tuple[int, int]]], service: ServiceSpec,
          start: int) -> bool:
    end = start + service.duration + service.buffer
    if any(_room(calendar, mine, kind, start, end) + quantity > calendar.capacity.get(kind, 0)
           for kind, quantity in service.needs):
        return False
    for kind, quantity in service.needs:
        mine[kind] += [(start, end)] * quantity
    return True


async def attempt(bench: Bench, request: BookingRequest) -> tuple[str, float]:
    """One booking in its own unit of work: (outcome, milliseconds)."""
    started = time.perf_counter()
    try:
        async with bench.uow() as uow:
            await uow.session.connection()  # what book()'s first query would do: check out, BEGIN, set the tenant
            bench.connection_waits.append((time.perf_counter() - started) * 1000)
            await book(request, uow)
            await uow.commit()
        outcome = "won"
    except SlotUnavailable as exc:
        outcome = "lost_with_alternatives" if exc.details.get("alternatives") else "lost_without_alternatives"
    except Exception as exc:  # every other failure is counted, and shown
        outcome = f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
    return outcome, (time.perf_counter() - started) * 1000


def request_for(bench: Bench, member: StaffSetup, key: str, start: int, source: str) -> BookingRequest:
    return BookingRequest(branch_id=bench.salon.branch_id, customer_id=bench.rng.choice(bench.salon.customers),
                          service_ids=[bench.salon.services[key]], starts_at=from_minute(start), staff_id=member.id,
                          source=source)


async def conflicts(bench: Bench) -> dict[str, Any]:
    """``--attempts`` book() calls at once, ten for each of attempts/10 (staff, start) slots that are free now:
    one stylist per slot where there are enough, on different days where there are enough."""
    rng = bench.rng
    calendar, specs = await current_calendar(bench)
    mine: dict[str, list[tuple[int, int]]] = defaultdict(list)
    slots: list[tuple[StaffSetup, str, int]] = []
    for index in range(max(bench.args.attempts // 10, 1)):
        member = bench.salon.staff[index % len(bench.salon.staff)]
        key = shortest_service(member)
        taken = [start for other, _, start in slots if other.id == member.id]
        for offset in range(len(calendar.days)):
            day = calendar.days[(index + offset) % len(calendar.days)]
            starts = [plan.starts for plan in find_slots(calendar, [specs[key]], bench.clock.now(),
                                                         staff_id=member.id, days=[day], limit=10_000)
                      if all(abs(plan.starts - start) >= 240 for start in taken)]
            rng.shuffle(starts)
            start = next((start for start in starts if _take(calendar, mine, specs[key], start)), None)
            if start is not None:
                slots.append((member, key, start))
                break
    tasks = [(index, request_for(bench, member, key, start, "whatsapp"))
             for index, (member, key, start) in enumerate(slots) for _ in range(10)]
    rng.shuffle(tasks)
    bench.connection_waits.clear()
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(attempt(bench, request) for _, request in tasks))
    wall = time.perf_counter() - started
    winners: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    for (index, _), (outcome, _) in zip(tasks, outcomes, strict=True):
        kinds["error" if outcome.startswith("error") else outcome] += 1
        if outcome == "won":
            winners[index] += 1
    errors = Counter(outcome for outcome, _ in outcomes if outcome.startswith("error"))
    async with bench.owner.connect() as connection:
        double = int((await connection.execute(text(DOUBLE_BOOKING_SQL))).scalar() or 0)
    per_slot = [winners[index] for index in range(len(slots))]
    return {
        "slots": len(slots), "attempts": len(tasks), "wall_s": round(wall, 2),
        "attempt_latency": percentiles([latency for _, latency in outcomes]),
        # Attempts beyond the pool's 80 connections wait for one; past pool_timeout (30 s) they would fail.
        "connection_wait_max_s": round(max(bench.connection_waits, default=0.0) / 1000, 2),
        "slots_with_one_winner": sum(1 for count in per_slot if count == 1),
        "slots_with_no_winner": sum(1 for count in per_slot if count == 0),
        "slots_with_several_winners": sum(1 for count in per_slot if count > 1),
        "winners": kinds["won"], "losers_with_alternatives": kinds["lost_with_alternatives"],
        "losers_without_alternatives": kinds["lost_without_alternatives"], "errors": kinds["error"],
        "error_samples": [f"{count} x {message}" for message, count in errors.most_common(5)],
        "double_booked_pairs": double,
        "ok": (bool(slots) and all(count == 1 for count in per_slot)
               and kinds["lost_without_alternatives"] == 0 and kinds["error"] == 0 and double == 0),
    }


# -- 3. throughput ---------------------------------------------------------------------------------------------


def free_pairs(calendar: BranchCalendar, specs: dict[str, ServiceSpec], salon: Salon,
               rng: random.Random) -> list[tuple[StaffSetup, str, int]]:
    """Every (staff, start) where the stylist's shortest service fits, none overlapping another and none pushing a
    resource past its capacity, shuffled across days and staff."""
    earliest, latest = bookable_window(calendar, NOW)
    mine: dict[str, list[tuple[int, int]]] = defaultdict(list)
    pairs = []
    for member in salon.staff:
        key = shortest_service(member)
        service = specs[key]
        for day in calendar.days:
            free = calendar.free.get((member.id, day))
            if free is None:
                continue
            next_free = earliest
            for start in grid(calendar, day):
                if start < next_free or start > latest or not all(free.covers(a, b)
                                                                  for a, b in service.staff_segments(start)):
                    continue
                if _take(calendar, mine, service, start):
                    pairs.append((member, key, start))
                    next_free = start + service.duration + service.buffer
    rng.shuffle(pairs)
    return pairs


async def throughput_run(bench: Bench, pairs: Sequence[tuple[StaffSetup, str, int]], workers: int) -> dict[str, Any]:
    queue: asyncio.Queue[BookingRequest] = asyncio.Queue()
    for member, key, start in pairs:
        queue.put_nowait(request_for(bench, member, key, start, "console"))
    outcomes: list[tuple[str, float]] = []

    async def worker() -> None:
        while not queue.empty():
            outcomes.append(await attempt(bench, queue.get_nowait()))

    with StatementMeter(bench.app) as meter:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        wall = time.perf_counter() - started
    kinds = Counter("error" if outcome.startswith("error") else outcome for outcome, _ in outcomes)
    done = max(len(outcomes), 1)
    return {"workers": workers, "bookings": len(pairs), "booked": kinds["won"],
            "refused": kinds["lost_with_alternatives"] + kinds["lost_without_alternatives"],
            "errors": kinds["error"],
            "error_samples": [f"{count} x {message}" for message, count in
                              Counter(o for o, _ in outcomes if o.startswith("error")).most_common(3)],
            "wall_s": round(wall, 2), "bookings_per_s": round(kinds["won"] / wall, 1) if wall else 0.0,
            **percentiles([latency for _, latency in outcomes]),
            "sql_per_booking": round(meter.statements / done, 1),
            # With several workers on one event loop, a statement's clock also runs while other tasks use the CPU.
            "sql_ms_per_booking": round(meter.seconds * 1000 / done, 2) if workers == 1 else None}


async def throughput(bench: Bench) -> list[dict[str, Any]]:
    """``--bookings`` at ``--concurrency`` workers, then a tenth as many with one worker (that run only shows what
    concurrency buys, and a bigger one would push the whole benchmark past three minutes)."""
    calendar, specs = await current_calendar(bench)
    pairs = free_pairs(calendar, specs, bench.salon, bench.rng)
    wanted = [(bench.args.concurrency, bench.args.bookings)]
    if bench.args.concurrency != 1:
        wanted.append((1, max(bench.args.bookings // 10, 1)))
    scale = min(1.0, len(pairs) / sum(count for _, count in wanted))
    if scale < 1:
        log(f"  only {len(pairs)} free (staff, start) pairs: fewer bookings per run")
    results, used = [], 0
    for workers, count in wanted:
        count = int(count * scale)
        result = await throughput_run(bench, pairs[used:used + count], workers)
        used += count
        results.append(result)
        log(f"  {workers} worker(s): {result['bookings_per_s']} bookings/s, p95 {result['p95_ms']} ms")
    return results


# -- the run ---------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server, scratch = None, None
    engines: list[Any] = []
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        url = args.database_url
        if url is None:
            scratch = Path(tempfile.mkdtemp(prefix="cazo-bench-"))
            server = EmbeddedPostgres(scratch / "pg", extra_settings=EPHEMERAL_SETTINGS)
            log("starting a throw-away PostgreSQL ...")
            server.start()
            url = server.url()
        owner = make_owner_engine(url)
        engines.append(owner)
        await migrate(owner, app_role=APP_ROLE)
        # pool_size 40 (and as many again in overflow): simultaneous attempts queue on the database's day locks,
        # not on the pool.
        app = make_app_engine(url, app_role=APP_ROLE, pool_size=40)
        engines.append(app)
        sessions = make_session_factory(app)
        clock = FixedClock(NOW)
        rng = random.Random(42)
        log("building the salon and its bookings ...")
        salon, setup = await seed(sessions, clock, rng, args)
        log(f"  {setup['bookings']} bookings, {setup['staff_time_booked_pct']}% of staff time booked")
        # Planner statistics for the bulk-loaded rows, as autovacuum would gather them on a live server; without
        # them PostgreSQL plans the calendar queries for one row and loops over 1,800.
        async with owner.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")
        bench = Bench(app, owner, sessions, clock, salon, rng, args)
        log("1. availability ...")
        queries = await availability_latency(bench)
        profile = await profile_availability(bench) if args.profile else None
        log("2. conflicting bookings ...")
        conflict = await conflicts(bench)
        log(f"  {conflict['attempts']} attempts in {conflict['wall_s']} s, ok: {conflict['ok']}")
        log("3. throughput ...")
        rates = await throughput(bench)
        async with owner.connect() as connection:
            double_after = int((await connection.execute(text(DOUBLE_BOOKING_SQL))).scalar() or 0)
        targets = {
            "availability p95 < 20 ms": all(query["p95_ms"] < TARGET_AVAILABILITY_P95_MS
                                            for query in queries if query["limit"] == 200),
            "conflicts: one winner per slot, alternatives, no errors": conflict["ok"],
            "throughput >= 300 bookings/s": rates[0]["bookings_per_s"] >= TARGET_BOOKINGS_PER_S,
            "no double bookings at the end": double_after == 0,
        }
        result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_average_before": load_before,
                                              "load_average_after": [round(x, 2) for x in os.getloadavg()]},
                                  "setup": setup, "availability": queries, "conflicts": conflict,
                                  "throughput": rates, "double_booked_pairs_at_end": double_after,
                                  "targets": targets, "targets_met": sum(targets.values()),
                                  "targets_total": len(targets)}
        if profile is not None:
            result["profile"] = profile
        return result
    finally:
        for engine in reversed(engines):
            await engine.dispose()
        if server is not None:
            server.destroy()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Table:
    out = Table(title=title)
    for column in columns:
        out.add_column(column, justify="left" if column in ("query", "check") else "right")
    for row in rows:
        out.add_row(*(str(row.get(column, "")) for column in columns))
    return out


def report(result: dict[str, Any]) -> None:
    console = Console()
    setup = result["setup"]
    machine = result["machine"]
    console.print(f"{machine['cpus']} CPUs, load average before/after {machine['load_average_before'][0]}/"
                  f"{machine['load_average_after'][0]} (other work on the machine skews every number)")
    console.print(f"{setup['staff']} staff, {setup['services']} services, {setup['customers']} customers; "
                  f"{setup['bookings']} bookings ({setup['items']} items) over {setup['days']} days fill "
                  f"{setup['staff_time_booked_pct']}% of staff time; set up in {setup['seed_s']} s")
    console.print(table("1. availability(), one unit of work per call (target p95 < 20 ms)", result["availability"],
                        ("query", "limit", "runs", "slots", "p50_ms", "p95_ms", "mean_ms")))
    steps = ("begin_and_branch", "load_services", "load_calendar", "find_slots", "close", "total", "sql_statements",
             "sql_ms")
    console.print(table("1b. where an availability() call goes (medians, ms; sql_* = all SQL in the call)",
                        [{"query": row["query"], **row["breakdown_p50_ms"]} for row in result["availability"]],
                        ("query", *steps)))
    c = result["conflicts"]
    console.print(table("2. conflicting bookings: 10 attempts per slot, all at once", [
        {"check": "slots / attempts", "value": f"{c['slots']} / {c['attempts']}"},
        {"check": "slots with exactly one winner", "value": c["slots_with_one_winner"]},
        {"check": "slots with no winner / several", "value": f"{c['slots_with_no_winner']} / "
                                                              f"{c['slots_with_several_winners']}"},
        {"check": "losers offered alternatives", "value": c["losers_with_alternatives"]},
        {"check": "losers without alternatives", "value": c["losers_without_alternatives"]},
        {"check": "other errors", "value": c["errors"]},
        {"check": "double-booked item pairs (SQL)", "value": c["double_booked_pairs"]},
        {"check": "wall time, s", "value": c["wall_s"]},
        {"check": "attempt latency p50 / p95, ms", "value": f"{c['attempt_latency']['p50_ms']} / "
                                                             f"{c['attempt_latency']['p95_ms']}"},
        {"check": "longest wait for a pooled connection, s", "value": c["connection_wait_max_s"]},
    ], ("check", "value")))
    for sample in c["error_samples"]:
        console.print(f"  [red]{sample}[/red]")
    console.print(table("3. throughput at distinct free slots (target >= 300 bookings/s)", result["throughput"],
                        ("workers", "bookings", "booked", "refused", "errors", "wall_s", "bookings_per_s", "p50_ms",
                         "p95_ms", "sql_per_booking", "sql_ms_per_booking")))
    for row in result["throughput"]:
        for sample in row["error_samples"]:
            console.print(f"  [red]{sample}[/red]")
    targets = result["targets"]
    console.print(f"Targets met: {result['targets_met']}/{result['targets_total']} - " + "; ".join(
        f"{name}: {'[green]met[/green]' if ok else '[red]MISSED[/red]'}" for name, ok in targets.items()))
    if "profile" in result:
        console.print(result["profile"], markup=False, highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=20, help="stylists at the branch (default 20)")
    parser.add_argument("--days", type=int, default=14, help="days booked ahead and searched (default 14, max 31)")
    parser.add_argument("--runs", type=int, default=200, help="timed availability calls per query (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls first (default 10)")
    parser.add_argument("--attempts", type=int, default=200, help="concurrent conflicting bookings (default 200)")
    parser.add_argument("--bookings", type=int, default=1000, help="bookings in the throughput run (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="throughput workers (default 8; 1 also runs)")
    parser.add_argument("--database-url", default=None, help="use this server instead of a throw-away one")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of 50 multi-service availability calls")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    if not 1 <= args.days <= 31:
        parser.error("--days must be between 1 and 31")
    if args.staff < 1 or args.runs < 1 or args.attempts < 1 or args.bookings < 1 or args.concurrency < 1:
        parser.error("--staff, --runs, --attempts, --bookings and --concurrency must be positive")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        report(result)


if __name__ == "__main__":
    main()
