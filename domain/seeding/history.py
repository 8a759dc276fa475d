"""Synthetic customers and booking history for a built salon: deterministic, realistic, and conflict-free.

Each stylist's day is walked from the start of their shift: a booking or a gap, never across a break, never
past the shift's end, never on a branch holiday. So the history satisfies the same exclusion constraint live
bookings do. Rows go in with bulk INSERTs: this is imported history, audited as one entry, not as 5,000.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from domain.hours import Interval, weekday_number
from domain.models import AuditEntry, Booking, BookingItem, BookingStatus, Channel, Customer, Service
from domain.seeding.demo_data import (
    BOOKING_NOTES,
    CUSTOMER_FIRST_NAMES,
    CUSTOMER_LAST_NAMES,
    CUSTOMER_TAGS,
    LANGUAGE_MIX,
)
from domain.seeding.salon import BuiltSalon
from domain.uow import UnitOfWork

SLOT = timedelta(minutes=15)
MOBILE_PREFIXES = ("98", "99", "97", "96", "93", "90", "88", "87", "70", "77", "81", "82")
SOURCES = (Channel.WHATSAPP, Channel.CONSOLE, Channel.WALK_IN, Channel.WIDGET)
SOURCE_WEIGHTS = (0.5, 0.25, 0.2, 0.05)


@dataclass(frozen=True)
class HistoryCounts:
    customers: int
    bookings: int
    items: int


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def customer_rows(tenant_id: uuid.UUID, count: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    phones: set[str] = set()
    rows: list[dict[str, Any]] = []
    languages, weights = zip(*LANGUAGE_MIX.items(), strict=True)
    while len(rows) < count:
        phone = "+91" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone in phones:
            continue
        phones.add(phone)
        first, gender = rng.choice(CUSTOMER_FIRST_NAMES)
        joined = now - timedelta(days=rng.randrange(30, 900), minutes=rng.randrange(1440))
        opted_out = rng.random() < 0.03
        consent = not opted_out and rng.random() < 0.6
        rows.append({
            "id": _uuid(rng), "tenant_id": tenant_id, "phone_e164": phone,
            "name": f"{first} {rng.choice(CUSTOMER_LAST_NAMES)}", "gender": gender,
            "language": rng.choices(languages, weights)[0],
            "marketing_consent": consent, "marketing_consent_at": joined if consent else None,
            "marketing_consent_source": rng.choice((Channel.WHATSAPP.value, Channel.CONSOLE.value)) if consent
            else None,
            "opted_out": opted_out, "opted_out_at": joined + timedelta(days=rng.randrange(1, 25)) if opted_out
            else None,
            "notes": None, "tags": rng.sample(CUSTOMER_TAGS, k=rng.choice((0, 0, 0, 1, 1, 2))),
            "created_at": joined, "updated_at": joined,
        })
    return rows


def _spans(spec: dict[str, str] | dict[str, tuple[str, ...]], weekday: int) -> list[Interval]:
    spans: list[Interval] = []
    for day, value in spec.items():
        if weekday_number(day) == weekday:
            spans.extend(Interval.parse(text) for text in ((value,) if isinstance(value, str) else value))
    return sorted(spans)


def _round_up(delta: timedelta) -> timedelta:
    return SLOT * -(-delta // SLOT)


def booking_rows(salon: BuiltSalon, customer_ids: Sequence[uuid.UUID], rng: random.Random, now: datetime, *,
                 days_back: int, days_ahead: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(bookings, items) from ``days_back`` days ago to ``days_ahead`` days ahead, relative to ``now``."""
    bookings: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    # Regulars book more often: a long-tailed weight over customers.
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(customer_ids))]
    for member, seed in salon.staff:
        skills = salon.skills.get(member.id, [])
        branch = next(b for b in salon.branches.values() if b.id == member.branch_id)
        zone = ZoneInfo(branch.timezone)
        holidays = salon.holidays.get(branch.id, set())
        today = now.astimezone(zone).date()
        if not skills or not customer_ids:
            continue
        for offset in range(-days_back, days_ahead + 1):
            day = today + timedelta(days=offset)
            if day in holidays:
                continue
            breaks = _spans(dict(seed.breaks), day.weekday())
            for shift in _spans(dict(seed.shifts), day.weekday()):
                _walk_shift(day, shift, breaks, zone, skills, member.id, branch.id, salon.tenant_id, now, rng,
                            customer_ids, weights, bookings, items)
    return bookings, items


def _walk_shift(day: date, shift: Interval, breaks: list[Interval], zone: ZoneInfo, skills: Sequence[Service],
                staff_id: uuid.UUID, branch_id: uuid.UUID, tenant_id: uuid.UUID, now: datetime,
                rng: random.Random, customer_ids: Sequence[uuid.UUID], weights: Sequence[float],
                bookings: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
    cursor = datetime.combine(day, shift.starts, zone)
    end_of_shift = datetime.combine(day, shift.ends, zone)
    blocked = [(datetime.combine(day, b.starts, zone), datetime.combine(day, b.ends, zone)) for b in breaks]
    while cursor + SLOT <= end_of_shift:
        inside_break = next((b_end for b_start, b_end in blocked if b_start <= cursor < b_end), None)
        if inside_break is not None:
            cursor = inside_break
            continue
        future = cursor > now
        if rng.random() > (0.35 if future else 0.55):
            cursor += SLOT * rng.choice((1, 2))
            continue
        chosen = [rng.choice(skills)]
        if len(skills) > 1 and rng.random() < 0.15:
            chosen.append(rng.choice([service for service in skills if service is not chosen[0]]))
        spans, start = [], cursor
        for service in chosen:
            finish = start + timedelta(minutes=service.duration_min)
            spans.append((service, start, finish))
            start = finish + timedelta(minutes=service.buffer_after_min)
        busy_until = cursor + _round_up(start - cursor)
        if busy_until > end_of_shift or any(b_start < busy_until and cursor < b_end for b_start, b_end in blocked):
            cursor += SLOT
            continue
        status = _status(rng, future=future)
        booking_id = _uuid(rng)
        created = cursor - timedelta(days=rng.choice((0, 1, 2, 3, 7)), hours=rng.randrange(1, 10))
        bookings.append({
            "id": booking_id, "tenant_id": tenant_id, "branch_id": branch_id,
            "customer_id": rng.choices(customer_ids, weights)[0], "status": status,
            "source": rng.choices(SOURCES, SOURCE_WEIGHTS)[0].value,
            "notes": rng.choice(BOOKING_NOTES) if rng.random() < 0.1 else None, "hold_expires_at": None,
            "cancelled_at": created + timedelta(hours=2) if status == BookingStatus.CANCELLED else None,
            "cancel_reason": "Customer cancelled on WhatsApp" if status == BookingStatus.CANCELLED else None,
            "created_at": min(created, now), "updated_at": min(created, now),
        })
        for position, (service, starts, ends) in enumerate(spans):
            items.append({
                "id": _uuid(rng), "tenant_id": tenant_id, "booking_id": booking_id, "branch_id": branch_id,
                "service_id": service.id, "staff_id": staff_id, "position": position,
                "starts_at": starts.astimezone(UTC), "ends_at": ends.astimezone(UTC), "status": status,
                **_gap_and_buffer(service, starts, ends),
                "price_paise": service.price_paise,
            })
        cursor = busy_until


def _gap_and_buffer(service: Service, starts: datetime, ends: datetime) -> dict[str, datetime | None]:
    """The columns that give an item its staff busy time, as the booking engine writes them."""
    gap = None
    if service.processing_min and service.processing_offset_min:
        gap_start = starts + timedelta(minutes=service.processing_offset_min)
        gap = (gap_start, gap_start + timedelta(minutes=service.processing_min))
    return {"gap_starts_at": gap[0].astimezone(UTC) if gap else None,
            "gap_ends_at": gap[1].astimezone(UTC) if gap else None,
            "busy_until": (ends + timedelta(minutes=service.buffer_after_min)).astimezone(UTC)
            if service.buffer_after_min else None}


def _status(rng: random.Random, *, future: bool) -> str:
    roll = rng.random()
    if future:
        return BookingStatus.CANCELLED if roll < 0.08 else BookingStatus.CONFIRMED
    if roll < 0.07:
        return BookingStatus.CANCELLED
    if roll < 0.12:
        return BookingStatus.NO_SHOW
    return BookingStatus.COMPLETED


async def insert_history(salon: BuiltSalon, uow: UnitOfWork, rng: random.Random, *, customers: int,
                         days_back: int, days_ahead: int) -> HistoryCounts:
    now = uow.clock.now()
    customer_data = customer_rows(salon.tenant_id, customers, rng, now)
    bookings, items = booking_rows(salon, [row["id"] for row in customer_data], rng, now, days_back=days_back,
                                   days_ahead=days_ahead)
    session = uow.session
    for model, rows in ((Customer, customer_data), (Booking, bookings), (BookingItem, items)):
        for chunk in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[chunk:chunk + 5000])
    counts = HistoryCounts(customers=len(customer_data), bookings=len(bookings), items=len(items))
    await session.execute(insert(AuditEntry), [{
        "tenant_id": salon.tenant_id, "actor_type": uow.actor.type, "actor_id": uow.actor.id, "action": "create",
        "entity_type": "seed_history", "entity_id": str(salon.tenant_id), "before": None,
        "after": {"customers": counts.customers, "bookings": counts.bookings, "items": counts.items,
                  "days_back": days_back, "days_ahead": days_ahead},
        "request_id": uow.request_id}])
    return counts


__all__ = ["HistoryCounts", "insert_history"]
