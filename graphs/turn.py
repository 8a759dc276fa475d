"""Handling one inbound message end to end: find the customer, lock the conversation, run the graph, return replies.

The channel (WhatsApp webhook, terminal chat, tests) calls ``handle_message``. The turn runs under the
conversation's advisory lock (``graphs.serial``) with ``durability="sync"``, so each step is saved before the next
starts: a process that dies mid-turn leaves the conversation at its last saved step, and the next message carries
on from there.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.salon import SalonContext, salon_context_from_snapshot
from agents.understand import Understander
from domain.clock import Clock
from domain.services.customers import register_customer
from domain.services.snapshot import SalonSnapshot, salon_snapshot
from domain.uow import Actor, UnitOfWork
from graphs.checkpoint import thread_id
from graphs.deps import TurnDeps
from graphs.serial import one_turn_at_a_time


@dataclass(frozen=True)
class TurnResult:
    replies: list[dict[str, Any]]  # Cloud API message objects, in order
    flow: str
    understanding: dict[str, Any]
    latency_ms: float


@dataclass(frozen=True)
class Salon:
    """One salon, loaded once: its snapshot (catalog, staff, branches) and the understanding context built on it."""

    tenant_id: uuid.UUID
    snapshot: SalonSnapshot
    context: SalonContext
    branch_id: uuid.UUID


async def load_salon(sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant_id: uuid.UUID,
                     branch_slug: str | None = None) -> Salon:
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("conversation"), clock=clock) as uow:
        snapshot = await salon_snapshot(uow)
    if not snapshot.branches:
        raise ValueError(f"salon {snapshot.slug} has no branch to book at")
    branch = next((b for b in snapshot.branches if b.slug == branch_slug), snapshot.branches[0])
    return Salon(tenant_id, snapshot, salon_context_from_snapshot(snapshot, branch.slug), uuid.UUID(branch.id))


async def customer_deps(sessions: async_sessionmaker[AsyncSession], clock: Clock, salon: Salon,
                        understander: Understander, phone: str, *, name: str | None = None) -> TurnDeps:
    """The turn's dependencies for the customer with this phone number (registered on first contact)."""
    async with UnitOfWork(sessions, tenant_id=salon.tenant_id, actor=Actor.system("whatsapp"), clock=clock) as uow:
        customer = await register_customer(phone, uow, name=name)
        await uow.commit()
        customer_id, customer_name = customer.id, customer.name
    return TurnDeps(sessions=sessions, clock=clock, understander=understander, salon=salon.context,
                    snapshot=salon.snapshot, tenant_id=salon.tenant_id, branch_id=salon.branch_id,
                    customer_id=customer_id, customer_name=customer_name,
                    thread_id=thread_id(salon.tenant_id, customer_id))


async def handle_message(graph: CompiledStateGraph[Any, Any, Any, Any], pool: AsyncConnectionPool, deps: TurnDeps,
                         text: str, *, payload: str | None = None, message_id: str | None = None) -> TurnResult:
    started = time.perf_counter()
    async with one_turn_at_a_time(pool, deps.thread_id):
        state = await graph.ainvoke({"inbound": {"text": text, "payload": payload, "message_id": message_id}},
                                    {"configurable": {"thread_id": deps.thread_id}}, context=deps,
                                    durability="sync")
    return TurnResult(replies=list(state.get("outbox") or []), flow=str(state.get("flow") or ""),
                      understanding=dict(state.get("understanding") or {}),
                      latency_ms=(time.perf_counter() - started) * 1000)
