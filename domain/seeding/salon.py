"""Builds a salon's structure (tenant, branches, menu, staff) from seed records, through the domain services.

Going through the services means the seed obeys every rule a salon owner's own edits obey, and is audited
the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from domain.models import Branch, Service, Staff
from domain.seeding.demo_data import BranchSeed, CommissionPlanSeed, ServiceSeed, StaffSeed, TenantSeed
from domain.services.catalog import AddService, add_category, add_service
from domain.services.staff import AddStaff, add_staff, create_commission_plan
from domain.services.tenancy import CreateBranch, CreateTenant, create_branch, create_tenant, set_resource
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class SalonSpec:
    tenant: TenantSeed
    branches: tuple[BranchSeed, ...]
    categories: tuple[str, ...]
    services: tuple[ServiceSeed, ...]
    commission_plans: tuple[CommissionPlanSeed, ...]
    staff: tuple[StaffSeed, ...]


@dataclass
class BuiltSalon:
    tenant_id: uuid.UUID
    branches: dict[str, Branch] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    staff: list[tuple[Staff, StaffSeed]] = field(default_factory=list)
    skills: dict[uuid.UUID, list[Service]] = field(default_factory=dict)
    holidays: dict[uuid.UUID, set[date]] = field(default_factory=dict)


async def build_salon(spec: SalonSpec, uow: UnitOfWork) -> BuiltSalon:
    """Create everything in ``spec`` for the unit of work's tenant. The caller commits."""
    tenant = await create_tenant(CreateTenant(spec.tenant.slug, spec.tenant.name, spec.tenant.legal_name), uow)
    built = BuiltSalon(tenant_id=tenant.id)
    for seed in spec.branches:
        branch = await create_branch(CreateBranch(
            slug=seed.slug, name=seed.name, address_line1=seed.address_line1, address_line2=seed.address_line2,
            locality=seed.locality, city=seed.city, state_code=seed.state_code, pincode=seed.pincode,
            gstin=seed.gstin, timezone=seed.timezone, phone=seed.phone_e164, hours={day: [span] for day, span in
                                                                                 seed.hours.items()},
            holidays={holiday.day: holiday.name for holiday in seed.holidays}), uow)
        for resource in seed.resources:
            await set_resource(branch.id, resource.resource_type, resource.name, resource.quantity, uow)
        built.branches[seed.slug] = branch
        built.holidays[branch.id] = {holiday.day for holiday in seed.holidays}

    categories = {}
    for order, name in enumerate(spec.categories):
        categories[name] = await add_category(name, uow, sort_order=order)
    for order, seed_service in enumerate(spec.services):
        built.services[seed_service.name] = await add_service(AddService(
            category_id=categories[seed_service.category].id, name=seed_service.name,
            duration_min=seed_service.duration_min, price_paise=seed_service.price_paise,
            aliases=seed_service.aliases, processing_offset_min=seed_service.processing_offset_min,
            processing_min=seed_service.processing_min, buffer_after_min=seed_service.buffer_after_min,
            sac_code=seed_service.sac_code, resource_needs=dict(seed_service.resource_needs), sort_order=order), uow)

    plans = {}
    for plan in spec.commission_plans:
        plans[plan.name] = await create_commission_plan(plan.name, plan.service_rate_bp, uow,
                                                        product_rate_bp=plan.product_rate_bp)
    for person in spec.staff:
        skills = [service for service in spec.services if service.category in person.skill_categories]
        skills += [service for service in spec.services if service.name in person.extra_skills
                   and service not in skills]
        skilled = [built.services[service.name] for service in skills]
        member = await add_staff(AddStaff(
            branch_id=built.branches[person.branch].id, name=person.name, role=person.role,
            phone=person.phone_e164, seniority=person.seniority,
            commission_plan_id=plans[person.commission_plan].id if person.commission_plan else None,
            skills=[service.id for service in skilled], shifts={day: [span] for day, span in person.shifts.items()},
            breaks={day: list(spans) for day, spans in person.breaks.items()}), uow)
        built.staff.append((member, person))
        built.skills[member.id] = skilled
    return built
