"""A small salon built for the booking engine's tests: known hours, skills, gaps, buffers and resources."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.models import Customer, Service, Staff
from domain.services.catalog import AddService, add_category, add_service
from domain.services.customers import register_customer
from domain.services.staff import AddStaff, add_staff
from domain.services.tenancy import CreateBranch, CreateTenant, create_branch, create_tenant, set_resource
from domain.uow import UnitOfWork

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The tests' clock stands at Wed 25 Nov 2026, 12:00 in Mumbai; Friday is two days later.
FRIDAY = date(2026, 11, 27)


@dataclass(frozen=True)
class Studio:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    zone: ZoneInfo
    haircut: Service
    colour: Service
    beard: Service
    manicure: Service
    asha: Staff
    vikram: Staff
    meera: Staff
    riya: Customer
    kabir: Customer

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock time at this branch, as an aware datetime."""
        return datetime.combine(day, time(hour, minute), self.zone)


async def make_studio(uow: UnitOfWork, *, timezone: str = "Asia/Kolkata", chairs: int = 3, basins: int = 1,
                      state_code: str = "27") -> Studio:
    await create_tenant(CreateTenant(slug="studio-one", name="Studio One"), uow)
    branch = await create_branch(CreateBranch(
        slug="main", name="Main", address_line1="1 Hill Road", city="Mumbai", state_code=state_code,
        timezone=timezone, hours={day: ["10:00-20:00"] for day in DAYS},
        holidays={date(2026, 12, 25): "Christmas"}), uow)
    await set_resource(branch.id, "chair", "Styling chair", chairs, uow)
    await set_resource(branch.id, "wash_basin", "Wash basin", basins, uow)
    hair = await add_category("Hair", uow)
    nails = await add_category("Nails", uow)
    haircut = await add_service(AddService(category_id=hair.id, name="Haircut", duration_min=30, price_paise=50000,
                                           aliases=["baal katwana", "cutting"], resource_needs={"chair": 1}), uow)
    colour = await add_service(AddService(category_id=hair.id, name="Global colour", duration_min=120,
                                          price_paise=450000, processing_offset_min=30, processing_min=45,
                                          buffer_after_min=15, aliases=["baal rangna"],
                                          resource_needs={"chair": 1, "wash_basin": 1}), uow)
    beard = await add_service(AddService(category_id=hair.id, name="Beard trim", duration_min=15, price_paise=30000,
                                         aliases=["dadhi", "dadi trim"], resource_needs={"chair": 1}), uow)
    manicure = await add_service(AddService(category_id=nails.id, name="Manicure", duration_min=30,
                                            price_paise=70000, sac_code="999722"), uow)
    week = {day: ["10:00-20:00"] for day in DAYS}
    asha = await add_staff(AddStaff(branch_id=branch.id, name="Asha", role="stylist", seniority=5, shifts=week,
                                    skills=[haircut.id, colour.id, beard.id],
                                    breaks={day: ["14:00-14:30"] for day in DAYS}), uow)
    vikram = await add_staff(AddStaff(branch_id=branch.id, name="Vikram", role="stylist", seniority=3, shifts=week,
                                      skills=[haircut.id, colour.id, beard.id]), uow)
    meera = await add_staff(AddStaff(branch_id=branch.id, name="Meera", role="stylist", seniority=4, shifts=week,
                                     skills=[manicure.id]), uow)
    riya = await register_customer("+919820012345", uow, name="Riya")
    kabir = await register_customer("+919820054321", uow, name="Kabir")
    return Studio(uow.require_tenant(), branch.id, ZoneInfo(timezone), haircut, colour, beard, manicure, asha,
                  vikram, meera, riya, kabir)


async def studio(uow_for: Callable[..., UnitOfWork], **options: object) -> Studio:
    async with uow_for(uuid.uuid4()) as uow:
        made = await make_studio(uow, **options)  # type: ignore[arg-type]
        await uow.commit()
    return made


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
