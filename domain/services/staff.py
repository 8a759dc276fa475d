"""Staff: hiring onto a branch, skills, weekly shifts and breaks, leave, and commission plans."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from domain.errors import Conflict, InvalidInput, NotFound
from domain.hours import Interval, weekly_hours, within
from domain.models import (
    Branch,
    CommissionPlan,
    Service,
    Staff,
    StaffBreak,
    StaffLeave,
    StaffRole,
    StaffShift,
    StaffSkill,
)
from domain.phone import normalise_phone
from domain.uow import UnitOfWork

DayPlan = Mapping[int | str, Iterable[str | Interval]]


async def create_commission_plan(name: str, service_rate_bp: int, uow: UnitOfWork, *,
                                 product_rate_bp: int = 0) -> CommissionPlan:
    tenant_id = uow.require_tenant()
    for rate in (service_rate_bp, product_rate_bp):
        if not 0 <= rate <= 10000:
            raise InvalidInput("A commission rate is between 0 and 10000 basis points (0% to 100%).")
    clash = await uow.session.scalar(
        select(CommissionPlan.id).where(CommissionPlan.tenant_id == tenant_id, CommissionPlan.name == name))
    if clash is not None:
        raise Conflict(f"There is already a commission plan called {name}.")
    plan = CommissionPlan(tenant_id=tenant_id, name=name, service_rate_bp=service_rate_bp,
                          product_rate_bp=product_rate_bp)
    uow.session.add(plan)
    await uow.session.flush()
    return plan


@dataclass(frozen=True)
class AddStaff:
    branch_id: uuid.UUID
    name: str
    role: str
    phone: str | None = None
    seniority: int = 0
    commission_plan_id: uuid.UUID | None = None
    skills: Sequence[uuid.UUID] = ()
    shifts: DayPlan = field(default_factory=dict)
    breaks: DayPlan = field(default_factory=dict)


async def add_staff(cmd: AddStaff, uow: UnitOfWork) -> Staff:
    tenant_id = uow.require_tenant()
    if cmd.role not in {role.value for role in StaffRole}:
        raise InvalidInput(f"{cmd.role!r} is not a staff role (owner, manager, front_desk, stylist).")
    if not cmd.name.strip():
        raise InvalidInput("A staff member needs a name.")
    await uow.get(Branch, cmd.branch_id, "branch")
    phone = normalise_phone(cmd.phone) if cmd.phone else None
    if phone is not None:
        clash = await uow.session.scalar(select(Staff.id).where(Staff.tenant_id == tenant_id,
                                                                Staff.phone_e164 == phone))
        if clash is not None:
            raise Conflict("Another staff member already has this phone number.")
    if cmd.commission_plan_id is not None:
        await uow.get(CommissionPlan, cmd.commission_plan_id, "commission plan")
    member = Staff(tenant_id=tenant_id, branch_id=cmd.branch_id, name=cmd.name.strip(), role=cmd.role,
                   phone_e164=phone, seniority=cmd.seniority, commission_plan_id=cmd.commission_plan_id)
    uow.session.add(member)
    await uow.session.flush()
    await set_skills(member.id, cmd.skills, uow)
    await set_shifts(member.id, cmd.branch_id, cmd.shifts, uow, breaks=cmd.breaks)
    return member


async def set_skills(staff_id: uuid.UUID, service_ids: Iterable[uuid.UUID], uow: UnitOfWork) -> None:
    """Replace the services this person performs."""
    member = await uow.get(Staff, staff_id, "staff member")
    wanted = set(service_ids)
    known = set(await uow.session.scalars(select(Service.id).where(Service.id.in_(wanted)))) if wanted else set()
    if unknown := wanted - known:
        raise NotFound("Some of those services do not exist.", service_ids=sorted(map(str, unknown)))
    current = {skill.service_id: skill for skill in await uow.session.scalars(
        select(StaffSkill).where(StaffSkill.staff_id == member.id))}
    for service_id, skill in current.items():
        if service_id not in wanted:
            await uow.session.delete(skill)
    for service_id in wanted - current.keys():
        uow.session.add(StaffSkill(tenant_id=member.tenant_id, staff_id=member.id, service_id=service_id))
    await uow.session.flush()


async def set_shifts(staff_id: uuid.UUID, branch_id: uuid.UUID, shifts: DayPlan, uow: UnitOfWork, *,
                     breaks: DayPlan | None = None) -> None:
    """Replace the weekly shifts (and breaks) of a staff member. A break must lie inside a shift that day."""
    member = await uow.get(Staff, staff_id, "staff member")
    await uow.get(Branch, branch_id, "branch")
    week = weekly_hours(shifts)
    break_week = weekly_hours(breaks or {})
    for weekday, intervals in break_week.items():
        for interval in intervals:
            if not within(interval, week.get(weekday, [])):
                raise InvalidInput(f"The break {interval} is not inside a shift on that day.")
    for model in (StaffShift, StaffBreak):
        for old in await uow.session.scalars(select(model).where(model.staff_id == member.id)):
            await uow.session.delete(old)
    await uow.session.flush()
    for weekday, intervals in sorted(week.items()):
        for interval in intervals:
            uow.session.add(StaffShift(tenant_id=member.tenant_id, staff_id=member.id, branch_id=branch_id,
                                       weekday=weekday, starts_at=interval.starts, ends_at=interval.ends))
    for weekday, intervals in sorted(break_week.items()):
        for interval in intervals:
            uow.session.add(StaffBreak(tenant_id=member.tenant_id, staff_id=member.id, weekday=weekday,
                                       starts_at=interval.starts, ends_at=interval.ends))
    await uow.session.flush()


async def add_leave(staff_id: uuid.UUID, starts_at: datetime, ends_at: datetime, uow: UnitOfWork, *,
                    reason: str | None = None) -> StaffLeave:
    member = await uow.get(Staff, staff_id, "staff member")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Leave times must carry a time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("Leave must end after it starts.")
    overlapping = await uow.session.scalar(select(StaffLeave.id).where(
        StaffLeave.staff_id == member.id, StaffLeave.starts_at < ends_at, StaffLeave.ends_at > starts_at))
    if overlapping is not None:
        raise Conflict("This overlaps leave already recorded for this person.")
    leave = StaffLeave(tenant_id=member.tenant_id, staff_id=member.id, starts_at=starts_at, ends_at=ends_at,
                       reason=reason)
    uow.session.add(leave)
    await uow.session.flush()
    return leave
