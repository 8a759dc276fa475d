"""Domain services: bad input changes nothing, every change is audited, and work rolls back unless committed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from domain.errors import Conflict, InvalidInput, NotFound, TenantRequired
from domain.gst import gstin_check_character
from domain.models import AuditEntry, Branch, Customer, Service, StaffShift
from domain.services.catalog import AddService, add_category, add_service, change_price
from domain.services.customers import opt_in, opt_out, record_marketing_consent, register_customer
from domain.services.staff import AddStaff, add_leave, add_staff
from domain.services.tenancy import CreateBranch, CreateTenant, create_branch, create_tenant
from domain.uow import UnitOfWork
from tests.factories import Salon, make_salon

UowFor = Callable[..., UnitOfWork]


async def salon(uow_for: UowFor, slug: str = "test-salon") -> Salon:
    async with uow_for(uuid.uuid4()) as uow:
        made = await make_salon(uow, slug)
        await uow.commit()
    return made


async def count(uow_for: UowFor, tenant_id: uuid.UUID, model: type) -> int:
    async with uow_for(tenant_id) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_work_that_is_not_committed_is_rolled_back(uow_for: UowFor) -> None:
    tenant_id = uuid.uuid4()
    async with uow_for(tenant_id) as uow:
        await make_salon(uow, "never-committed")
    async with uow_for(None, platform=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Branch)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_a_branch_with_a_wrong_gstin_is_refused_and_nothing_is_stored(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    with pytest.raises(InvalidInput, match="check character"):
        async with uow_for(s.tenant_id) as uow:
            await create_branch(CreateBranch(slug="pune", name="Pune", address_line1="Lane 6", city="Pune",
                                             state_code="27", gstin="27AAPFU0939F1ZA"), uow)
            await uow.commit()
    assert await count(uow_for, s.tenant_id, Branch) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "Mars/Olympus", "IANA time zone"),
    ("state_code", "99", "not a GST state code"),
    ("pincode", "0400050", "PIN code"),
    ("slug", "Not A Slug", "slug"),
])
async def test_branch_details_are_validated(uow_for: UowFor, field: str, value: str, message: str) -> None:
    s = await salon(uow_for)
    values = {"slug": "second", "name": "Second", "address_line1": "1 Road", "city": "Mumbai", "state_code": "27",
              field: value}
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match=message):
            await create_branch(CreateBranch(**values), uow)  # type: ignore[arg-type]


async def test_a_branch_in_another_state_needs_that_state_s_gstin(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    gstin = "29AAPFU0939F1Z" + gstin_check_character("29AAPFU0939F1Z")
    async with uow_for(s.tenant_id) as uow:
        branch = await create_branch(CreateBranch(
            slug="blr", name="Indiranagar", address_line1="100 Feet Road", city="Bengaluru", state_code="29",
            gstin=gstin.lower(), timezone="Asia/Kolkata", hours={"mon": ["10:00-20:00"]}), uow)
        assert (branch.state, branch.gstin, branch.timezone) == ("Karnataka", gstin, "Asia/Kolkata")
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match="registered in state 27"):
            await create_branch(CreateBranch(slug="blr", name="Indiranagar", address_line1="100 Feet Road",
                                             city="Bengaluru", state_code="29", gstin="27AAPFU0939F1ZV"), uow)


async def test_a_service_whose_processing_gap_overruns_it_is_refused(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        category = await add_category("Colour", uow)
        with pytest.raises(InvalidInput, match="processing gap"):
            await add_service(AddService(category_id=category.id, name="Global colour", duration_min=90,
                                         price_paise=450000, processing_offset_min=30, processing_min=60), uow)
        service = await add_service(AddService(category_id=category.id, name="Root touch-up", duration_min=75,
                                               price_paise=180000, processing_offset_min=20, processing_min=30,
                                               aliases=["Baal  Rangna", "baal rangna", " "]), uow)
        assert service.aliases == ["baal rangna"]


@pytest.mark.parametrize("price", [-1, 10.5])
async def test_prices_are_whole_non_negative_paise(uow_for: UowFor, price: object) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match="paise"):
            await change_price(s.haircut.id, price, uow)  # type: ignore[arg-type]


async def test_a_duplicate_service_name_is_a_conflict(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(Conflict):
            await add_service(AddService(category_id=s.haircut.category_id, name="Haircut", duration_min=30,
                                         price_paise=1), uow)


async def test_customers_are_found_by_any_spelling_of_their_number(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        again = await register_customer("098200 12345", uow, language="hinglish")
        assert again.id == s.customer.id and again.language == "hinglish"
        await uow.commit()
    assert await count(uow_for, s.tenant_id, Customer) == 1


async def test_the_same_phone_is_a_different_customer_at_another_salon(uow_for: UowFor) -> None:
    a = await salon(uow_for, "salon-one")
    b = await salon(uow_for, "salon-two")
    assert a.customer.phone_e164 == b.customer.phone_e164
    assert a.customer.id != b.customer.id


async def test_consent_is_recorded_with_time_and_source_and_stop_withdraws_it(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        customer = await record_marketing_consent(s.customer.id, True, "whatsapp", uow)
        assert customer.marketing_consent and customer.marketing_consent_source == "whatsapp"
        assert customer.marketing_consent_at == uow.clock.now()
        customer = await opt_out(s.customer.id, "whatsapp", uow)
        assert customer.opted_out and not customer.marketing_consent
        with pytest.raises(InvalidInput, match="opted out"):
            await record_marketing_consent(s.customer.id, True, "whatsapp", uow)
        customer = await opt_in(s.customer.id, "whatsapp", uow)
        assert not customer.opted_out and not customer.marketing_consent  # START does not mean marketing
        await uow.commit()
        assert [event.name for event in uow.published] == [
            "MarketingConsentChanged", "CustomerOptedOut", "CustomerOptedIn"]


async def test_every_change_writes_an_audit_row_with_before_and_after(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        await change_price(s.haircut.id, 60000, uow)
        await uow.commit()
    async with uow_for(s.tenant_id) as uow:
        entry = (await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "services", AuditEntry.action == "update"))).one()
        created = await uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "create"))
    assert (entry.actor_type, entry.actor_id) == ("staff", "tester")
    assert entry.before == {"price_paise": 50000} and entry.after == {"price_paise": 60000}
    assert entry.entity_id == str(s.haircut.id)
    assert created and created >= 8  # tenant, branch, hours, category, service, need, 2 staff, skills, customer


async def test_staff_shifts_breaks_and_leave_are_validated(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    async with uow_for(s.tenant_id) as uow:
        with pytest.raises(InvalidInput, match="not inside a shift"):
            await add_staff(AddStaff(branch_id=s.branch_id, name="Kabir", role="stylist",
                                     shifts={"mon": ["10:00-18:00"]}, breaks={"tue": ["13:00-13:30"]}), uow)
        with pytest.raises(InvalidInput, match="staff role"):
            await add_staff(AddStaff(branch_id=s.branch_id, name="Kabir", role="janitor"), uow)
        with pytest.raises(NotFound):
            await add_staff(AddStaff(branch_id=s.branch_id, name="Kabir", role="stylist", skills=[uuid.uuid4()]),
                            uow)
        start = datetime(2026, 12, 24, 4, 30, tzinfo=UTC)
        await add_leave(s.stylists[0].id, start, start.replace(hour=14), uow)
        with pytest.raises(Conflict, match="overlaps"):
            await add_leave(s.stylists[0].id, start.replace(hour=10), start.replace(hour=20), uow)
        with pytest.raises(InvalidInput, match="time zone"):
            await add_leave(s.stylists[0].id, datetime(2026, 12, 26), datetime(2026, 12, 27), uow)


async def test_tenant_scoped_services_need_a_tenant(uow_for: UowFor) -> None:
    async with uow_for(None) as uow:
        with pytest.raises(TenantRequired):
            await create_tenant(CreateTenant(slug="x-salon", name="X"), uow)
        with pytest.raises(TenantRequired):
            await register_customer("+919820012345", uow)


async def test_staff_shifts_are_stored_per_weekday(uow_for: UowFor) -> None:
    s = await salon(uow_for)
    assert await count(uow_for, s.tenant_id, StaffShift) == 14  # two stylists, seven days
    assert await count(uow_for, s.tenant_id, Service) == 1
