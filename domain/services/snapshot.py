"""A read-only picture of one salon for understanding messages: its services and aliases, staff, and branches.

The understanding layer matches service and staff names against this, reads bare hours ("5 baje") inside a
branch's opening hours, and resolves relative dates in the branch's time zone. Built once per tenant and cached by
the caller; it holds plain values, no ORM objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select

from domain.errors import NotFound
from domain.models import Branch, BranchHours, Service, ServiceCategory, Staff, Tenant
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BranchView:
    id: str
    slug: str
    name: str
    timezone: str
    hours: dict[int, tuple[time, time]]  # weekday (Monday 0) -> (opens, closes); the widest span of the day


@dataclass(frozen=True, slots=True)
class SalonSnapshot:
    tenant_id: str
    slug: str
    name: str
    services: tuple[tuple[str, str, tuple[str, ...]], ...]  # (id, name, aliases), active ones only
    staff: tuple[tuple[str, str], ...]  # (id, name), active ones only
    branches: tuple[BranchView, ...]
    prices: dict[str, tuple[int, int]] = field(default_factory=dict)  # service id -> (price in paise, minutes)
    # (category id, name, its active services' ids in menu order), categories in menu order, empty ones left out
    categories: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


async def tenant_id_for_slug(slug: str, uow: UnitOfWork) -> uuid.UUID:
    """The tenant with this slug. Needs a platform unit of work (the directory of salons)."""
    found = (await uow.session.execute(select(Tenant.id).where(Tenant.slug == slug))).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No salon with the slug {slug!r}.")
    return found


async def salon_snapshot(uow: UnitOfWork) -> SalonSnapshot:
    """The current tenant's catalog, staff and branches."""
    session = uow.session
    tenant = (await session.execute(select(Tenant).where(Tenant.id == uow.tenant_id))).scalar_one()
    services = (await session.execute(
        select(Service.id, Service.name, Service.aliases, Service.price_paise, Service.duration_min,
               Service.category_id)
        .where(Service.active).order_by(Service.sort_order, Service.name))).all()
    in_category: dict[uuid.UUID, list[str]] = {}
    for row in services:
        in_category.setdefault(row.category_id, []).append(str(row.id))
    categories = (await session.execute(select(ServiceCategory.id, ServiceCategory.name)
                                        .order_by(ServiceCategory.sort_order, ServiceCategory.name))).all()
    staff = (await session.execute(select(Staff.id, Staff.name).where(Staff.active).order_by(Staff.name))).all()
    branches = (await session.execute(select(Branch).order_by(Branch.slug))).scalars().all()
    rows = (await session.execute(select(BranchHours.branch_id, BranchHours.weekday, BranchHours.opens_at,
                                         BranchHours.closes_at))).all()
    hours: dict[uuid.UUID, dict[int, tuple[time, time]]] = {}
    for branch_id, weekday, opens, closes in rows:
        day = hours.setdefault(branch_id, {})
        earlier = day.get(weekday)
        day[weekday] = (min(opens, earlier[0]), max(closes, earlier[1])) if earlier else (opens, closes)
    return SalonSnapshot(
        tenant_id=str(tenant.id), slug=tenant.slug, name=tenant.name,
        services=tuple((str(i), n, tuple(a or ())) for i, n, a, _, _, _ in services),
        prices={str(i): (price, minutes) for i, _, _, price, minutes, _ in services},
        categories=tuple((str(c), name, tuple(in_category[c])) for c, name in categories if c in in_category),
        staff=tuple((str(i), n) for i, n in staff),
        branches=tuple(BranchView(str(b.id), b.slug, b.name, b.timezone, hours.get(b.id, {})) for b in branches))
