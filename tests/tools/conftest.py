"""Fixtures for the tool tests: the scheduling studio, and tool contexts for its people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.models import Customer
from domain.uow import Actor, UnitOfWork
from tests.scheduling_salon import Studio, studio
from tools.context import Role, ToolContext

ContextFor = Callable[..., ToolContext]


@pytest.fixture
async def salon(uow_for: Callable[..., UnitOfWork]) -> Studio:
    return await studio(uow_for)


@pytest.fixture
def context_for(db: async_sessionmaker[AsyncSession], clock: FixedClock, salon: Studio) -> ContextFor:
    """``context_for(salon.riya)``: that customer chatting; ``context_for(role="front_desk")``: the desk."""

    def make(customer: Customer | None = None, *, role: Role | None = None) -> ToolContext:
        role = role or ("customer" if customer is not None else "front_desk")
        actor = Actor("customer", str(customer.id)) if role == "customer" and customer else Actor("staff", "desk")
        return ToolContext(sessions=db, clock=clock, tenant_id=salon.tenant_id, actor=actor, role=role,
                           branch_id=salon.branch_id, customer_id=customer.id if customer else None,
                           request_id="test-request")

    return make
