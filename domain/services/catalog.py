"""The service menu: categories and services, with their prices (paise), timings and resource needs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, text

from domain.errors import Conflict, InvalidInput
from domain.models import Service, ServiceCategory, ServiceResourceNeed
from domain.uow import UnitOfWork

SAC = re.compile(r"^[0-9]{4,8}$")


def normalise_aliases(aliases: Sequence[str]) -> list[str]:
    """Lowercase, collapse spaces, drop empties and repeats, keep order ("Baal  Katwana" -> "baal katwana")."""
    seen: dict[str, None] = {}
    for alias in aliases:
        cleaned = " ".join(alias.lower().split())
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


async def add_category(name: str, uow: UnitOfWork, *, sort_order: int = 0) -> ServiceCategory:
    tenant_id = uow.require_tenant()
    name = name.strip()
    if not name:
        raise InvalidInput("A category needs a name.")
    clash = await uow.session.scalar(
        select(ServiceCategory.id).where(ServiceCategory.tenant_id == tenant_id, ServiceCategory.name == name))
    if clash is not None:
        raise Conflict(f"There is already a category called {name}.")
    category = ServiceCategory(tenant_id=tenant_id, name=name, sort_order=sort_order)
    uow.session.add(category)
    await uow.session.flush()
    return category


@dataclass(frozen=True)
class AddService:
    category_id: uuid.UUID
    name: str
    duration_min: int
    price_paise: int
    aliases: Sequence[str] = ()
    description: str | None = None
    processing_offset_min: int | None = None
    processing_min: int = 0
    buffer_after_min: int = 0
    sac_code: str = "999721"
    tax_class: str = "salon_services"
    resource_needs: Mapping[str, int] = field(default_factory=dict)
    sort_order: int = 0


def _check_timing(cmd: AddService) -> None:
    if not 5 <= cmd.duration_min <= 720:
        raise InvalidInput("A service lasts between 5 minutes and 12 hours.")
    if not 0 <= cmd.buffer_after_min <= 240:
        raise InvalidInput("The buffer after a service must be between 0 and 240 minutes.")
    if cmd.processing_min < 0:
        raise InvalidInput("The processing gap cannot be negative.")
    if cmd.processing_min == 0 and cmd.processing_offset_min is not None:
        raise InvalidInput("A processing start was given without a processing time.")
    if cmd.processing_min > 0:
        offset = cmd.processing_offset_min
        if offset is None or offset <= 0 or offset + cmd.processing_min >= cmd.duration_min:
            raise InvalidInput("The processing gap must start after the service begins and end before it ends.")


async def add_service(cmd: AddService, uow: UnitOfWork) -> Service:
    tenant_id = uow.require_tenant()
    name = cmd.name.strip()
    if not name:
        raise InvalidInput("A service needs a name.")
    if not isinstance(cmd.price_paise, int) or cmd.price_paise < 0:
        raise InvalidInput("A price is a whole, non-negative number of paise.")
    if not SAC.match(cmd.sac_code):
        raise InvalidInput(f"{cmd.sac_code!r} is not a SAC code (4 to 8 digits, e.g. 999721).")
    _check_timing(cmd)
    for resource_type, quantity in cmd.resource_needs.items():
        if quantity < 1:
            raise InvalidInput(f"A service needs at least one {resource_type}, or none at all.")
    category = await uow.get(ServiceCategory, cmd.category_id, "service category")
    clash = await uow.session.scalar(select(Service.id).where(Service.tenant_id == tenant_id, Service.name == name))
    if clash is not None:
        raise Conflict(f"There is already a service called {name}.")
    service = Service(
        tenant_id=tenant_id, category_id=category.id, name=name, description=cmd.description,
        aliases=normalise_aliases(cmd.aliases), duration_min=cmd.duration_min,
        processing_offset_min=cmd.processing_offset_min, processing_min=cmd.processing_min,
        buffer_after_min=cmd.buffer_after_min, price_paise=cmd.price_paise, sac_code=cmd.sac_code,
        tax_class=cmd.tax_class, sort_order=cmd.sort_order,
    )
    uow.session.add(service)
    await uow.session.flush()
    for resource_type, quantity in cmd.resource_needs.items():
        uow.session.add(ServiceResourceNeed(tenant_id=tenant_id, service_id=service.id,
                                            resource_type=resource_type, quantity=quantity))
    await uow.session.flush()
    return service


async def change_price(service_id: uuid.UUID, price_paise: int, uow: UnitOfWork) -> Service:
    if not isinstance(price_paise, int) or price_paise < 0:
        raise InvalidInput("A price is a whole, non-negative number of paise.")
    service = await uow.get(Service, service_id, "service")
    service.price_paise = price_paise
    await uow.session.flush()
    return service


ADDON_MAX_MIN = 45  # an add-on is a short extra, not a second appointment
ADDON_MIN_PAIRS = 3  # booked together at least this often to count as "many customers add it"
ADDON_LOOKBACK_DAYS = 180


async def companion_service(service_id: uuid.UUID, uow: UnitOfWork) -> tuple[uuid.UUID, int] | None:
    """The short service this salon's customers most often booked in the same visit as ``service_id`` over the
    last ADDON_LOOKBACK_DAYS days, and how often; None when nothing was booked with it often enough."""
    row = (await uow.session.execute(text("""
        SELECT other.service_id, count(*) AS pairs
        FROM booking_items mine
        JOIN booking_items other ON other.booking_id = mine.booking_id AND other.service_id <> mine.service_id
        JOIN bookings b ON b.id = mine.booking_id
        JOIN services s ON s.id = other.service_id
        WHERE mine.service_id = :service AND b.status IN ('confirmed', 'checked_in', 'completed')
          AND b.created_at > :since AND s.active AND s.duration_min <= :longest
        GROUP BY other.service_id
        HAVING count(*) >= :fewest
        ORDER BY pairs DESC, other.service_id
        LIMIT 1
    """), {"service": service_id, "since": uow.clock.now() - timedelta(days=ADDON_LOOKBACK_DAYS),
           "longest": ADDON_MAX_MIN, "fewest": ADDON_MIN_PAIRS})).first()
    return (row[0], int(row[1])) if row else None
