"""`cazo seed demo`: a realistic salon, seeded once however often it runs."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.models import Tenant
from domain.seeding import seed_demo_salon, seed_scale_salons
from domain.uow import Actor, UnitOfWork


async def test_the_demo_salon_is_seeded_once_however_often_seeding_runs(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, owner_engine: AsyncEngine) -> None:
    first = await seed_demo_salon(db, clock)
    second = await seed_demo_salon(db, clock)
    assert first.salons[0].created and not second.salons[0].created
    assert replace(second.salons[0], created=True) == first.salons[0]
    counts = first.salons[0]
    assert (counts.branches, counts.staff, counts.customers) == (2, 6, 200)
    assert counts.services >= 25
    assert counts.bookings > 1000  # 90 days for five working stylists
    async with owner_engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM tenants"))).scalar() == 1
        assert (await connection.execute(text("SELECT count(*) FROM customers"))).scalar() == 200


async def test_seeded_history_keeps_the_rules_live_bookings_keep(db: async_sessionmaker[AsyncSession],
                                                                 clock: FixedClock,
                                                                 owner_engine: AsyncEngine) -> None:
    await seed_demo_salon(db, clock)
    async with owner_engine.connect() as connection:
        unskilled = (await connection.execute(text("""
            SELECT count(*) FROM booking_items i
            WHERE NOT EXISTS (SELECT 1 FROM staff_skills s WHERE s.staff_id = i.staff_id
                                                            AND s.service_id = i.service_id)"""))).scalar()
        outside_shift = (await connection.execute(text("""
            SELECT count(*) FROM booking_items i JOIN branches b ON b.id = i.branch_id
            WHERE NOT EXISTS (
                SELECT 1 FROM staff_shifts sh
                WHERE sh.staff_id = i.staff_id
                  AND sh.weekday = extract(isodow FROM i.starts_at AT TIME ZONE b.timezone) - 1
                  AND (i.starts_at AT TIME ZONE b.timezone)::time >= sh.starts_at
                  AND (i.ends_at AT TIME ZONE b.timezone)::time <= sh.ends_at)"""))).scalar()
        on_holiday = (await connection.execute(text("""
            SELECT count(*) FROM booking_items i JOIN branches b ON b.id = i.branch_id
            JOIN branch_holidays h ON h.branch_id = b.id
             AND h.day = (i.starts_at AT TIME ZONE b.timezone)::date"""))).scalar()
        future_done = (await connection.execute(text(
            "SELECT count(*) FROM bookings b JOIN booking_items i ON i.booking_id = b.id "
            "WHERE i.starts_at > :now AND b.status IN ('completed', 'no_show')"), {"now": clock.now()})).scalar()
    assert (unskilled, outside_shift, on_holiday, future_done) == (0, 0, 0, 0)


async def test_the_structure_of_the_demo_salon_is_audited_as_the_seed(db: async_sessionmaker[AsyncSession],
                                                                       clock: FixedClock) -> None:
    await seed_demo_salon(db, clock)
    async with UnitOfWork(db, tenant_id=None, actor=Actor.system("test"), clock=clock, platform=True) as uow:
        tenant_id = await uow.session.scalar(select(Tenant.id).where(Tenant.slug == "glow-studio"))
    async with UnitOfWork(db, tenant_id=tenant_id, actor=Actor.system("test"), clock=clock) as uow:
        rows = (await uow.session.execute(text(
            "SELECT entity_type, count(*) FROM audit_log WHERE actor_id = 'seed' GROUP BY entity_type"))).all()
    by_type = dict(rows)  # type: ignore[arg-type]
    assert by_type["services"] >= 25 and by_type["staff"] == 6 and by_type["seed_history"] == 1


async def test_scale_seeding_adds_only_the_missing_salons(db: async_sessionmaker[AsyncSession],
                                                          clock: FixedClock) -> None:
    first = await seed_scale_salons(db, clock, tenants=2, customers=20, days=3)
    second = await seed_scale_salons(db, clock, tenants=3, customers=20, days=3)
    assert [s.created for s in first.salons] == [True, True]
    assert [s.created for s in second.salons] == [False, False, True]
    async with UnitOfWork(db, tenant_id=None, actor=Actor.system("test"), clock=clock, platform=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Tenant)) == 3
