"""A salon's own catalog, staff, hours and zone, read from the database, drive what a message is understood as."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.understand import Understander
from cazo.nlu import salon_context_from_snapshot
from domain.clock import FixedClock
from domain.errors import NotFound
from domain.seeding import seed_demo_salon
from domain.services.snapshot import salon_snapshot, tenant_id_for_slug
from domain.uow import UnitOfWork


async def test_the_demo_salon_snapshot_has_its_catalog_staff_and_branch_hours(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, uow_for: Callable[..., UnitOfWork]) -> None:
    await seed_demo_salon(db, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    async with uow_for(tenant_id) as uow:
        snapshot = await salon_snapshot(uow)
    assert snapshot.slug == "glow-studio"
    names = {name for _, name, _ in snapshot.services}
    assert {"Men's haircut", "Beard trim", "Hair spa"} <= names
    aliases = {name: aliases for _, name, aliases in snapshot.services}
    assert "dadhi" in aliases["Beard trim"]
    assert {name.split()[0] for _, name in snapshot.staff} >= {"Rahul", "Imran", "Pooja"}
    bandra = next(b for b in snapshot.branches if b.slug == "bandra")
    assert bandra.timezone == "Asia/Kolkata"
    assert bandra.hours[0] == (time(11), time(20)) and bandra.hours[2] == (time(10), time(21))
    uuid.UUID(snapshot.services[0][0])  # real row ids


async def test_an_unknown_slug_is_not_found(db: async_sessionmaker[AsyncSession],
                                            uow_for: Callable[..., UnitOfWork]) -> None:
    async with uow_for(None, platform=True) as uow:
        with pytest.raises(NotFound, match="no-such-salon"):
            await tenant_id_for_slug("no-such-salon", uow)


async def test_services_and_staff_resolve_to_the_salons_own_row_ids(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, uow_for: Callable[..., UnitOfWork]) -> None:
    await seed_demo_salon(db, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    async with uow_for(tenant_id) as uow:
        snapshot = await salon_snapshot(uow)
    context = salon_context_from_snapshot(snapshot, "bandra")
    now = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # a Sunday; Monday opens at 11:00
    found = await Understander().understand("kal 11 baje Imran se beard trim", context.turn(now))
    beard = next(service_id for service_id, name, _ in snapshot.services if name == "Beard trim")
    imran = next(staff_id for staff_id, name in snapshot.staff if name.startswith("Imran"))
    assert found.slots["services"] == [{"text": "beard trim", "id": beard, "name": "Beard trim"}]
    assert found.slots["staff"]["id"] == imran
    assert (found.slots["date"], found.slots["time"]) == ("2026-11-30", "11:00")
