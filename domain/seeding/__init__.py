"""Seeding: the demo salon (``cazo seed demo``) and large synthetic data for benchmarks (``cazo seed scale``).

Both are idempotent: a salon whose slug already exists is left as it is. Each salon is created in one
transaction, so a crash leaves either the whole salon or nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.models import Booking, Branch, Customer, Service, Staff, Tenant
from domain.seeding import demo_data
from domain.seeding.faq import seed_faq
from domain.seeding.history import insert_history
from domain.seeding.salon import SalonSpec, build_salon
from domain.services.whatsapp import RegisterNumber, register_number
from domain.uow import Actor, UnitOfWork

SEED_ACTOR = Actor.system("seed")
DEMO_CUSTOMERS = 200
DEMO_DAYS_BACK = 90
DEMO_DAYS_AHEAD = 7

DEMO_SPEC = SalonSpec(tenant=demo_data.TENANT, branches=demo_data.BRANCHES, categories=demo_data.CATEGORIES,
                      services=demo_data.SERVICES, commission_plans=demo_data.COMMISSION_PLANS,
                      staff=demo_data.STAFF)


@dataclass(frozen=True)
class SalonCounts:
    slug: str
    created: bool
    branches: int
    services: int
    staff: int
    customers: int
    bookings: int


@dataclass
class SeedReport:
    salons: list[SalonCounts] = field(default_factory=list)

    def summary(self) -> str:
        created = [salon for salon in self.salons if salon.created]
        kept = len(self.salons) - len(created)
        lines = [f"{salon.slug}: {'created' if salon.created else 'already there'} - {salon.branches} branches, "
                 f"{salon.services} services, {salon.staff} staff, {salon.customers} customers, "
                 f"{salon.bookings} bookings" for salon in self.salons[:5]]
        if len(self.salons) > 5:
            lines.append(f"... and {len(self.salons) - 5} more")
        lines.append(f"Seeded {len(created)} salon(s); {kept} already existed and were left unchanged.")
        return "\n".join(lines)


async def _tenant_id(sessions: async_sessionmaker[AsyncSession], clock: Clock, slug: str) -> uuid.UUID | None:
    async with UnitOfWork(sessions, tenant_id=None, actor=SEED_ACTOR, clock=clock, platform=True) as uow:
        found: uuid.UUID | None = await uow.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        return found


async def _counts(sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant_id: uuid.UUID, slug: str,
                  created: bool) -> SalonCounts:
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=SEED_ACTOR, clock=clock) as uow:
        async def count(model: type[Branch | Service | Staff | Customer | Booking]) -> int:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)

        return SalonCounts(slug=slug, created=created, branches=await count(Branch),
                           services=await count(Service), staff=await count(Staff),
                           customers=await count(Customer), bookings=await count(Booking))


async def seed_salon(sessions: async_sessionmaker[AsyncSession], clock: Clock, spec: SalonSpec, *, customers: int,
                     days_back: int, days_ahead: int) -> SalonCounts:
    """Create one salon with its history, unless a salon with the same slug exists."""
    slug = spec.tenant.slug
    existing = await _tenant_id(sessions, clock, slug)
    if existing is not None:
        # A salon seeded before the knowledge base existed gets its starting FAQ now; nothing else changes.
        async with UnitOfWork(sessions, tenant_id=existing, actor=SEED_ACTOR, clock=clock) as uow:
            if await seed_faq(uow, spec.branches[0]):
                await uow.commit()
        return await _counts(sessions, clock, existing, slug, created=False)
    tenant_id = uuid.uuid4()
    rng = random.Random(slug)  # the same slug gets the same history on any machine
    try:
        async with UnitOfWork(sessions, tenant_id=tenant_id, actor=SEED_ACTOR, clock=clock) as uow:
            salon = await build_salon(spec, uow)
            await insert_history(salon, uow, rng, customers=customers, days_back=days_back, days_ahead=days_ahead)
            await seed_faq(uow, spec.branches[0])
            await uow.commit()
    except IntegrityError:
        # Another process seeded the same slug between our look-up and our commit: theirs stands.
        existing = await _tenant_id(sessions, clock, slug)
        if existing is None:
            raise
        return await _counts(sessions, clock, existing, slug, created=False)
    return await _counts(sessions, clock, tenant_id, slug, created=True)


async def seed_demo_salon(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> SeedReport:
    counts = await seed_salon(sessions, clock, DEMO_SPEC, customers=DEMO_CUSTOMERS, days_back=DEMO_DAYS_BACK,
                              days_ahead=DEMO_DAYS_AHEAD)
    await _route_demo_number(sessions, clock)
    return SeedReport([counts])


async def _route_demo_number(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Route the demo WhatsApp number to the first branch (a salon seeded before numbers existed gets it now)."""
    tenant_id = await _tenant_id(sessions, clock, DEMO_SPEC.tenant.slug)
    first = DEMO_SPEC.branches[0]
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=SEED_ACTOR, clock=clock) as uow:
        branch_id = await uow.session.scalar(select(Branch.id).where(Branch.slug == first.slug))
        if tenant_id is None or branch_id is None:
            return  # a salon without its first branch was not seeded here; nothing to route
        await register_number(RegisterNumber(demo_data.WHATSAPP_PHONE_NUMBER_ID, branch_id, first.phone_e164), uow)
        await uow.commit()


def scale_spec(index: int) -> SalonSpec:
    """The demo salon's menu and team under another name: realistic shape, any number of copies."""
    tenant = demo_data.TenantSeed(slug=f"scale-{index:04d}", name=f"Scale Salon {index:04d}",
                                  legal_name=f"Scale Salon {index:04d} LLP")
    return replace(DEMO_SPEC, tenant=tenant)


async def seed_scale_salons(sessions: async_sessionmaker[AsyncSession], clock: Clock, *, tenants: int,
                            customers: int, days: int) -> SeedReport:
    report = SeedReport()
    for index in range(1, tenants + 1):
        report.salons.append(await seed_salon(sessions, clock, scale_spec(index), customers=customers,
                                              days_back=days, days_ahead=DEMO_DAYS_AHEAD))
    return report
