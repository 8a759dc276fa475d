"""A change sent with an idempotency key happens once, however often it is retried."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.errors import Conflict, SlotUnavailable
from domain.models import Booking, IdempotencyRecord
from domain.uow import UnitOfWork
from tests.scheduling_salon import FRIDAY, Studio
from tests.tools.conftest import ContextFor
from tools import bookings as tools
from tools.base import run_tool
from tools.context import ToolContext


def hold_at(salon: Studio, hour: int, **extra: Any) -> dict[str, Any]:
    return {"service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, hour).isoformat(), **extra}


async def count(ctx: ToolContext, model: type[Booking] | type[IdempotencyRecord]) -> int:
    async with UnitOfWork(ctx.sessions, tenant_id=ctx.tenant_id, actor=ctx.actor, clock=ctx.clock) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_same_key_twice_makes_one_booking_and_gives_the_same_answer(salon: Studio,
                                                                              context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    first = await run_tool(tools.hold_slot, ctx, hold_at(salon, 11), idempotency_key="wa-msg-1")
    again = await run_tool(tools.hold_slot, ctx, hold_at(salon, 11), idempotency_key="wa-msg-1")
    assert again.model_dump() == first.model_dump()
    assert await count(ctx, Booking) == 1 and await count(ctx, IdempotencyRecord) == 1


async def test_two_racing_retries_with_one_key_make_one_booking(salon: Studio, context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    answers = await asyncio.gather(*(run_tool(tools.hold_slot, ctx, hold_at(salon, 11), idempotency_key="tap")
                                     for _ in range(3)))
    assert len({answer.id for answer in answers}) == 1
    assert await count(ctx, Booking) == 1


async def test_the_same_key_with_a_different_request_is_a_conflict(salon: Studio, context_for: ContextFor) -> None:
    ctx = context_for(salon.riya)
    await run_tool(tools.hold_slot, ctx, hold_at(salon, 11), idempotency_key="k-1")
    with pytest.raises(Conflict, match="already used for a different request"):
        await run_tool(tools.hold_slot, ctx, hold_at(salon, 12), idempotency_key="k-1")
    with pytest.raises(Conflict, match="already used for a different request"):
        await run_tool(tools.join_waitlist, ctx, {"day": FRIDAY.isoformat(), "service_ids": [str(salon.haircut.id)]},
                       idempotency_key="k-1")
    assert await count(ctx, Booking) == 1


async def test_another_customer_replaying_a_key_does_not_get_the_first_customers_booking(
        salon: Studio, context_for: ContextFor) -> None:
    await run_tool(tools.hold_slot, context_for(salon.riya), hold_at(salon, 11), idempotency_key="shared")
    with pytest.raises(Conflict):
        await run_tool(tools.hold_slot, context_for(salon.kabir), hold_at(salon, 11), idempotency_key="shared")


async def test_a_refused_change_keeps_no_answer_so_the_key_can_be_used_again(salon: Studio,
                                                                            context_for: ContextFor) -> None:
    desk = context_for()
    await run_tool(tools.book_appointment, desk, hold_at(salon, 11, customer_id=str(salon.kabir.id),
                                                         staff_id=str(salon.asha.id)))
    ctx = context_for(salon.riya)
    with pytest.raises(SlotUnavailable):
        await run_tool(tools.hold_slot, ctx, hold_at(salon, 11, staff_id=str(salon.asha.id)), idempotency_key="k-2")
    assert await count(ctx, IdempotencyRecord) == 0
    held = await run_tool(tools.hold_slot, ctx, hold_at(salon, 12, staff_id=str(salon.asha.id)),
                          idempotency_key="k-2")
    assert held.status == "held"
