"""Small, explicit builders for test data (the demo seed is tested on its own)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.models import Customer, Service, Staff
from domain.services.catalog import AddService, add_category, add_service
from domain.services.customers import register_customer
from domain.services.staff import AddStaff, add_staff
from domain.services.tenancy import CreateBranch, CreateTenant, create_branch, create_tenant
from domain.uow import UnitOfWork

WEEK = {day: ["10:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass(frozen=True)
class Salon:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    haircut: Service
    stylists: tuple[Staff, Staff]
    customer: Customer


async def make_salon(uow: UnitOfWork, slug: str, *, phone: str = "+919820012345") -> Salon:
    """A tenant with one branch, one service, two stylists and one customer. The caller commits."""
    tenant = await create_tenant(CreateTenant(slug=slug, name=slug.title()), uow)
    branch = await create_branch(CreateBranch(slug="main", name="Main", address_line1="1 Hill Road", city="Mumbai",
                                              state_code="27", pincode="400050", hours=WEEK), uow)
    category = await add_category("Hair", uow)
    haircut = await add_service(AddService(category_id=category.id, name="Haircut", duration_min=30,
                                           price_paise=50000, aliases=["baal katwana"],
                                           resource_needs={"chair": 1}), uow)
    first = await add_staff(AddStaff(branch_id=branch.id, name="Asha", role="stylist", skills=[haircut.id],
                                     shifts=WEEK), uow)
    second = await add_staff(AddStaff(branch_id=branch.id, name="Vikram", role="stylist", skills=[haircut.id],
                                      shifts=WEEK), uow)
    customer = await register_customer(phone, uow, name="Riya")
    return Salon(tenant.id, branch.id, haircut, (first, second), customer)
