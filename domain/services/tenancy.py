"""Creating salons (tenants) and their branches, hours, holidays and resources."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from domain.errors import Conflict, InvalidInput
from domain.gst import STATE_CODES, validate_gstin, validate_state_code
from domain.hours import Interval, weekly_hours
from domain.models import Branch, BranchHoliday, BranchHours, Resource, Tenant
from domain.phone import normalise_phone
from domain.uow import UnitOfWork

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
RESOURCE_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise InvalidInput(f"{value!r} is not a valid slug: use 2-63 lowercase letters, digits and hyphens.")
    return value


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{name!r} is not an IANA time zone (for example Asia/Kolkata).") from exc
    return name


@dataclass(frozen=True)
class CreateTenant:
    slug: str
    name: str
    legal_name: str | None = None


async def create_tenant(cmd: CreateTenant, uow: UnitOfWork) -> Tenant:
    """Create the tenant whose id is the unit of work's tenant (the caller picks the id up front)."""
    tenant_id = uow.require_tenant()
    if not cmd.name.strip():
        raise InvalidInput("A salon needs a name.")
    slug = _slug(cmd.slug)
    if await uow.session.get(Tenant, tenant_id) is not None:
        raise Conflict("This salon already exists.", tenant_id=str(tenant_id))
    tenant = Tenant(id=tenant_id, slug=slug, name=cmd.name.strip(), legal_name=cmd.legal_name)
    uow.session.add(tenant)
    await uow.session.flush()
    uow.record("TenantCreated", tenant_id=str(tenant_id), slug=slug)
    return tenant


@dataclass(frozen=True)
class CreateBranch:
    slug: str
    name: str
    address_line1: str
    city: str
    state_code: str
    address_line2: str | None = None
    locality: str | None = None
    pincode: str | None = None
    gstin: str | None = None
    timezone: str = "Asia/Kolkata"
    phone: str | None = None
    cancellation_window_min: int = 120
    hours: Mapping[int | str, Iterable[str | Interval]] = field(default_factory=dict)
    holidays: Mapping[date, str] = field(default_factory=dict)


async def create_branch(cmd: CreateBranch, uow: UnitOfWork) -> Branch:
    tenant_id = uow.require_tenant()
    state_code = validate_state_code(cmd.state_code)
    if cmd.pincode is not None and not re.fullmatch(r"[1-9][0-9]{5}", cmd.pincode):
        raise InvalidInput(f"{cmd.pincode!r} is not an Indian PIN code (six digits).")
    if cmd.cancellation_window_min < 0:
        raise InvalidInput("The cancellation window cannot be negative.")
    slug = _slug(cmd.slug)
    existing = await uow.session.scalar(select(Branch.id).where(Branch.tenant_id == tenant_id, Branch.slug == slug))
    if existing is not None:
        raise Conflict(f"A branch called {slug} already exists.", branch_id=str(existing))
    branch = Branch(
        tenant_id=tenant_id, slug=slug, name=cmd.name.strip(), address_line1=cmd.address_line1,
        address_line2=cmd.address_line2, locality=cmd.locality, city=cmd.city, state=STATE_CODES[state_code],
        state_code=state_code, pincode=cmd.pincode,
        gstin=validate_gstin(cmd.gstin, state_code=state_code) if cmd.gstin else None,
        timezone=_zone(cmd.timezone), phone_e164=normalise_phone(cmd.phone) if cmd.phone else None,
        cancellation_window_min=cmd.cancellation_window_min,
    )
    uow.session.add(branch)
    await uow.session.flush()
    await set_opening_hours(branch.id, cmd.hours, uow)
    for day, name in cmd.holidays.items():
        await add_holiday(branch.id, day, name, uow)
    return branch


async def set_opening_hours(branch_id: uuid.UUID, hours: Mapping[int | str, Iterable[str | Interval]],
                            uow: UnitOfWork) -> None:
    """Replace the branch's weekly opening hours. A weekday left out is a day the branch is closed."""
    branch = await uow.get(Branch, branch_id, "branch")
    week = weekly_hours(hours)
    # Row by row, not a bulk DELETE, so that the audit log sees each removed interval.
    for old in await uow.session.scalars(select(BranchHours).where(BranchHours.branch_id == branch.id)):
        await uow.session.delete(old)
    await uow.session.flush()
    for weekday, intervals in sorted(week.items()):
        for interval in intervals:
            uow.session.add(BranchHours(tenant_id=branch.tenant_id, branch_id=branch.id, weekday=weekday,
                                        opens_at=interval.starts, closes_at=interval.ends))
    await uow.session.flush()


async def add_holiday(branch_id: uuid.UUID, day: date, name: str, uow: UnitOfWork) -> BranchHoliday:
    branch = await uow.get(Branch, branch_id, "branch")
    clash = await uow.session.scalar(
        select(BranchHoliday).where(BranchHoliday.branch_id == branch.id, BranchHoliday.day == day))
    if clash is not None:
        raise Conflict(f"{day:%d %b %Y} is already a holiday ({clash.name}).")
    holiday = BranchHoliday(tenant_id=branch.tenant_id, branch_id=branch.id, day=day, name=name.strip() or "Holiday")
    uow.session.add(holiday)
    await uow.session.flush()
    return holiday


async def set_resource(branch_id: uuid.UUID, resource_type: str, name: str, quantity: int,
                       uow: UnitOfWork) -> Resource:
    """Declare how many of a resource type a branch has (creates or updates)."""
    branch = await uow.get(Branch, branch_id, "branch")
    if not RESOURCE_TYPE.match(resource_type):
        raise InvalidInput(f"{resource_type!r} is not a resource type: use lowercase words joined by _.")
    if quantity < 1:
        raise InvalidInput("A resource count must be at least 1; remove the resource instead.")
    resource = await uow.session.scalar(
        select(Resource).where(Resource.branch_id == branch.id, Resource.resource_type == resource_type))
    if resource is None:
        resource = Resource(tenant_id=branch.tenant_id, branch_id=branch.id, resource_type=resource_type,
                            name=name, quantity=quantity)
        uow.session.add(resource)
    else:
        resource.name, resource.quantity = name, quantity
    await uow.session.flush()
    return resource
