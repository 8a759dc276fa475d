"""Catalog search finds services by what customers call them, in English, Hinglish and Devanagari."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.errors import NotFound
from domain.models import Service, Tenant
from domain.seeding import seed_demo_salon
from domain.seeding.demo_data import TENANT
from domain.uow import Actor, UnitOfWork
from tests.scheduling_salon import Studio
from tests.tools.conftest import ContextFor
from tools.base import run_tool
from tools.catalog import search_services, service_details
from tools.context import ToolContext


async def names(ctx: ToolContext, query: str, limit: int = 5) -> list[str]:
    found = await run_tool(search_services, ctx, {"query": query, "limit": limit})
    return [hit.name for hit in found.services]


async def test_hinglish_aliases_find_the_studio_services(salon: Studio, context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    assert (await names(ctx, "baal katwana"))[0] == "Haircut"
    assert (await names(ctx, "dadhi"))[0] == "Beard trim"
    assert (await names(ctx, "Baal  Rangna"))[0] == "Global colour"


async def test_a_misspelt_hinglish_word_still_finds_the_service(salon: Studio, context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    assert (await names(ctx, "baal katwna"))[0] == "Haircut"
    assert (await names(ctx, "manicur"))[0] == "Manicure"


async def test_a_search_hit_carries_duration_and_a_rupee_price(salon: Studio, context_for: ContextFor) -> None:
    found = await run_tool(search_services, context_for(salon.riya), {"query": "haircut"})
    hit = found.services[0]
    assert (hit.id, hit.category, hit.duration_min, hit.price_paise, hit.price, hit.score) == \
        (salon.haircut.id, "Hair", 30, 50000, "₹500", 1.0)


async def test_like_wildcards_in_a_query_match_nothing_special(salon: Studio, context_for: ContextFor) -> None:
    assert await names(context_for(salon.riya), "%") == []
    assert await names(context_for(salon.riya), "_") == []


async def test_a_service_taken_off_the_menu_is_not_found(salon: Studio, context_for: ContextFor,
                                                           uow_for: Callable[..., UnitOfWork]) -> None:
    async with uow_for(salon.tenant_id) as uow:
        (await uow.get(Service, salon.beard.id, "service")).active = False
        await uow.commit()
    assert "Beard trim" not in await names(context_for(salon.riya), "dadhi")
    with pytest.raises(NotFound):
        await run_tool(service_details, context_for(salon.riya), {"service_id": str(salon.beard.id)})


async def test_service_details_say_who_can_do_it_and_the_processing_gap(salon: Studio,
                                                                        context_for: ContextFor) -> None:
    details = await run_tool(service_details, context_for(salon.riya), {"service_id": str(salon.colour.id)})
    assert [person.name for person in details.staff] == ["Asha", "Vikram"]
    assert (details.duration_min, details.processing_offset_min, details.processing_gap_min,
            details.buffer_after_min, details.price) == (120, 30, 45, 15, "₹4,500")
    assert details.aliases == ["baal rangna"]


async def test_the_demo_salon_understands_hinglish_and_devanagari(db: async_sessionmaker[AsyncSession],
                                                                   clock: FixedClock) -> None:
    await seed_demo_salon(db, clock)
    async with UnitOfWork(db, tenant_id=None, actor=Actor.system("test"), clock=clock, platform=True) as uow:
        tenant_id = await uow.session.scalar(select(Tenant.id).where(Tenant.slug == TENANT.slug))
    assert tenant_id is not None
    ctx = ToolContext(sessions=db, clock=clock, tenant_id=tenant_id, actor=Actor.system("test"), role="system")
    haircuts = {"Men's haircut", "Women's haircut"}
    assert (await names(ctx, "baal katwana"))[0] in haircuts
    assert (await names(ctx, "बाल कटवाना"))[0] in haircuts
    assert (await names(ctx, "dadhi"))[0] == "Beard trim"
    assert (await names(ctx, "दाढ़ी"))[0] == "Beard trim"
    assert (await names(ctx, "दाढ़ी बनाना"))[0] == "Shave"
