"""Customers: registration by phone, and the consent record (DPDP: specific, time-stamped, withdrawable)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from domain.errors import InvalidInput
from domain.models import Channel, Customer, Language
from domain.phone import normalise_phone
from domain.uow import UnitOfWork


async def find_customer_by_phone(phone: str, uow: UnitOfWork) -> Customer | None:
    tenant_id = uow.require_tenant()
    return await uow.session.scalar(select(Customer).where(Customer.tenant_id == tenant_id,
                                                           Customer.phone_e164 == normalise_phone(phone)))


async def register_customer(phone: str, uow: UnitOfWork, *, name: str | None = None,
                            language: str | None = None) -> Customer:
    """The customer with this phone number, created if new. A name or language given updates a blank one."""
    tenant_id = uow.require_tenant()
    if language is not None and language not in {item.value for item in Language}:
        raise InvalidInput(f"{language!r} is not a supported language (en, hi, hinglish).")
    customer = await find_customer_by_phone(phone, uow)
    if customer is None:
        customer = Customer(tenant_id=tenant_id, phone_e164=normalise_phone(phone), name=(name or "").strip() or None,
                            language=language or Language.EN.value)
        uow.session.add(customer)
    else:
        if name and not customer.name:
            customer.name = name.strip()
        if language:
            customer.language = language
    await uow.session.flush()
    return customer


def _channel(source: str) -> str:
    if source not in {item.value for item in Channel}:
        raise InvalidInput(f"{source!r} is not a known consent source.")
    return source


async def record_marketing_consent(customer_id: uuid.UUID, granted: bool, source: str,
                                   uow: UnitOfWork) -> Customer:
    """Grant or withdraw marketing consent, stamped with the time and where it was given."""
    customer = await uow.get(Customer, customer_id, "customer")
    if granted and customer.opted_out:
        raise InvalidInput("This customer has opted out of messages; they must opt back in (START) first.")
    customer.marketing_consent = granted
    customer.marketing_consent_at = uow.clock.now()
    customer.marketing_consent_source = _channel(source)
    await uow.session.flush()
    uow.record("MarketingConsentChanged", customer_id=str(customer.id), granted=granted, source=source)
    return customer


async def opt_out(customer_id: uuid.UUID, source: str, uow: UnitOfWork) -> Customer:
    """STOP: no promotional messages at all, and any marketing consent is withdrawn with it."""
    customer = await uow.get(Customer, customer_id, "customer")
    now = uow.clock.now()
    customer.opted_out, customer.opted_out_at = True, now
    if customer.marketing_consent:
        customer.marketing_consent = False
        customer.marketing_consent_at, customer.marketing_consent_source = now, _channel(source)
    await uow.session.flush()
    uow.record("CustomerOptedOut", customer_id=str(customer.id), source=source)
    return customer


async def opt_in(customer_id: uuid.UUID, source: str, uow: UnitOfWork) -> Customer:
    """START: messages may resume. Marketing still needs its own, separate consent."""
    customer = await uow.get(Customer, customer_id, "customer")
    _channel(source)
    customer.opted_out, customer.opted_out_at = False, None
    await uow.session.flush()
    uow.record("CustomerOptedIn", customer_id=str(customer.id), source=source)
    return customer
