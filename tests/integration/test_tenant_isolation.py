"""Row-level security: with tenant A's context, nothing of tenant B's can be read, changed or forged."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.models import (
    Branch,
    Customer,
    DeliveryReceipt,
    InboundMessage,
    Service,
    Tenant,
    WhatsAppNumber,
    tenant_owned_tables,
)
from domain.services.whatsapp import NumberRoute, RegisterNumber, register_number, route_numbers
from domain.uow import UnitOfWork
from tests.conftest import NOW
from tests.factories import Salon, make_salon

UowFor = Callable[..., UnitOfWork]
# Tenant-owned tables a platform-scoped unit of work may read: the number directory (a webhook is routed before its
# salon is known), and the rows of the work queues still waiting for a worker (which salons have work).
PLATFORM_READABLE = {"whatsapp_numbers": "platform_directory", "inbound_messages": "platform_queue",
                     "outbound_messages": "platform_queue", "customer_messages": "platform_queue"}


async def two_salons(uow_for: UowFor) -> tuple[Salon, Salon]:
    salons = []
    for slug in ("salon-a", "salon-b"):
        async with uow_for(uuid.uuid4()) as uow:
            salons.append(await make_salon(uow, slug))
            await uow.commit()
    return salons[0], salons[1]


async def test_a_tenant_sees_only_its_own_rows_through_the_orm(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        customers = (await uow.session.scalars(select(Customer))).all()
        tenants = (await uow.session.scalars(select(Tenant))).all()
        assert [c.id for c in customers] == [a.customer.id]
        assert [t.id for t in tenants] == [a.tenant_id]
        assert await uow.session.get(Customer, b.customer.id) is None
        assert await uow.session.get(Service, b.haircut.id) is None


async def test_raw_sql_is_filtered_too(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        rows = (await uow.session.execute(text("SELECT tenant_id FROM customers"))).scalars().all()
        assert rows == [a.tenant_id]
        found = await uow.session.scalar(text("SELECT count(*) FROM staff WHERE tenant_id = :b"), {"b": b.tenant_id})
        assert found == 0


async def test_updates_and_deletes_cannot_reach_another_tenant(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        changed = await uow.session.execute(update(Service).where(Service.id == b.haircut.id).values(price_paise=1))
        deleted = await uow.session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": b.customer.id})
        await uow.commit()
    assert changed.rowcount == 0  # type: ignore[attr-defined]
    assert deleted.rowcount == 0  # type: ignore[attr-defined]
    async with uow_for(b.tenant_id) as uow:
        service = await uow.session.get(Service, b.haircut.id)
        assert service is not None and service.price_paise == 50000
        assert await uow.session.get(Customer, b.customer.id) is not None


async def test_inserting_a_row_for_another_tenant_fails(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        uow.session.add(Customer(tenant_id=b.tenant_id, phone_e164="+919811111111"))
        with pytest.raises(DBAPIError, match="row-level security"):
            await uow.session.flush()


async def test_moving_a_row_to_another_tenant_fails(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        with pytest.raises(DBAPIError, match="row-level security"):
            await uow.session.execute(text("UPDATE customers SET tenant_id = :b"), {"b": b.tenant_id})


async def test_without_a_tenant_nothing_is_visible(uow_for: UowFor) -> None:
    await two_salons(uow_for)
    async with uow_for(None) as uow:
        for table in tenant_owned_tables() + ["tenants"]:
            assert await uow.session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table


async def test_platform_scope_lists_salons_but_not_their_data(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    async with uow_for(None, platform=True) as uow:
        slugs = set(await uow.session.scalars(select(Tenant.slug)))
        assert slugs == {"salon-a", "salon-b"}
        assert await uow.session.scalar(select(func.count()).select_from(Branch)) == 0
        uow.session.add(Tenant(id=uuid.uuid4(), slug="sneaky", name="Sneaky"))
        with pytest.raises(DBAPIError, match="row-level security"):
            await uow.session.flush()


async def test_platform_scope_reads_the_number_directory_and_waiting_work_and_nothing_else(uow_for: UowFor) -> None:
    a, b = await two_salons(uow_for)
    for salon, number in ((a, "100000000000011"), (b, "100000000000022")):
        async with uow_for(salon.tenant_id) as uow:
            await register_number(RegisterNumber(number, salon.branch_id), uow)
            await uow.session.execute(insert(InboundMessage).values(
                tenant_id=salon.tenant_id, branch_id=salon.branch_id, phone_number_id=number, wamid=f"wamid.{number}",
                customer_phone="+919820012345", kind="text", text="hi", payload={}, sent_at=NOW, received_at=NOW))
            await uow.commit()
    async with uow_for(None, platform=True) as uow:
        routes = await route_numbers(uow, ["100000000000011", "100000000000022", "100000000000033"])
        assert routes == {"100000000000011": NumberRoute(a.tenant_id, a.branch_id),
                          "100000000000022": NumberRoute(b.tenant_id, b.branch_id)}
        # queued messages are visible (a worker finds which salons have work), and only while queued
        assert await uow.session.scalar(select(func.count()).select_from(InboundMessage)) == 2
        assert (await uow.session.execute(update(InboundMessage).values(status="done"))).rowcount == 0
    async with uow_for(a.tenant_id) as uow:
        await uow.session.execute(update(InboundMessage).values(status="done"))
        await uow.commit()
    async with uow_for(None, platform=True) as uow:
        assert list(await uow.session.scalars(select(InboundMessage.wamid))) == ["wamid.100000000000022"]
        with pytest.raises(DBAPIError, match="row-level security"):
            await uow.session.execute(insert(WhatsAppNumber).values(
                id=uuid.uuid4(), tenant_id=a.tenant_id, branch_id=a.branch_id, phone_number_id="100000000000044"))
    async with uow_for(a.tenant_id) as uow:
        assert list(await uow.session.scalars(select(InboundMessage.wamid))) == ["wamid.100000000000011"]
        assert list(await uow.session.scalars(select(WhatsAppNumber.phone_number_id))) == ["100000000000011"]
        with pytest.raises(DBAPIError, match="row-level security"):
            await uow.session.execute(insert(DeliveryReceipt).values(
                tenant_id=b.tenant_id, phone_number_id="100000000000022", wamid="wamid.ours", status="sent",
                occurred_at=NOW, payload={}, received_at=NOW))


async def test_the_tenant_setting_does_not_leak_to_the_next_transaction(uow_for: UowFor,
                                                                        app_engine: AsyncEngine) -> None:
    a, _ = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Customer)) == 1
    # The pool hands the same connection back: the transaction-local setting is gone.
    async with app_engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM customers"))).scalar() == 0


async def test_the_application_role_cannot_bypass_row_level_security(app_engine: AsyncEngine) -> None:
    async with app_engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
    assert row.current_user == "cazo_app"
    assert (row.rolsuper, row.rolbypassrls) == (False, False)


async def test_every_tenant_owned_table_has_forced_rls_and_a_policy(owner_engine: AsyncEngine) -> None:
    async with owner_engine.connect() as connection:
        rows = (await connection.execute(text("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   array_agg(p.polname ORDER BY p.polname) FILTER (WHERE p.polname IS NOT NULL) AS policies
            FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname <> 'alembic_version'
            GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity"""))).all()
    by_table = {row.relname: row for row in rows}
    assert set(by_table) == set(tenant_owned_tables()) | {"tenants"}
    for table in tenant_owned_tables():
        assert by_table[table].relrowsecurity and by_table[table].relforcerowsecurity, table
        expected = sorted([PLATFORM_READABLE[table], "tenant_isolation"]) if table in PLATFORM_READABLE \
            else ["tenant_isolation"]
        assert by_table[table].policies == expected, table
    assert by_table["tenants"].policies == ["platform_directory", "tenant_self"]


async def test_the_audit_log_is_append_only_for_the_application(uow_for: UowFor) -> None:
    a, _ = await two_salons(uow_for)
    async with uow_for(a.tenant_id) as uow:
        with pytest.raises(DBAPIError, match="permission denied"):
            await uow.session.execute(text("DELETE FROM audit_log"))
