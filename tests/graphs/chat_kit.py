"""What the conversation tests share: a customer chatting with the demo salon, and reading the replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.models import Booking, Customer
from domain.uow import Actor, UnitOfWork
from graphs.turn import TurnResult
from tools.base import run_tool
from tools.bookings import check_availability

APP_ROLE = "cazo_app"
PHONE = "+919812345678"


@dataclass
class Chat:
    say: Callable[..., Awaitable[TurnResult]]
    deps: Any
    restart: Callable[[], Awaitable[None]]
    deps_url: str = ""
    graph: Callable[[], Any] = lambda: None
    pool: Callable[[], Any] = lambda: None


def body(result: TurnResult) -> str:
    reply = result.replies[-1]
    return str(reply["text"]["body"] if reply["type"] == "text" else reply["interactive"]["body"]["text"])


def options(result: TurnResult) -> list[str]:
    interactive = result.replies[-1].get("interactive") or {}
    if interactive.get("type") == "button":
        return [b["reply"]["id"] for b in interactive["action"]["buttons"]]
    if interactive.get("type") == "list":
        return [row["id"] for section in interactive["action"]["sections"] for row in section["rows"]]
    return []


def tenant_uow(chat: Chat) -> UnitOfWork:
    return UnitOfWork(chat.deps.sessions, tenant_id=chat.deps.tenant_id, actor=Actor.system("test"),
                      clock=chat.deps.clock)


async def bookings_of(chat: Chat) -> list[Booking]:
    async with tenant_uow(chat) as uow:
        rows = await uow.session.execute(select(Booking).where(Booking.customer_id == chat.deps.customer_id))
        return list(rows.scalars())


async def opted_out(chat: Chat) -> bool:
    async with tenant_uow(chat) as uow:
        customer = await uow.session.get(Customer, chat.deps.customer_id)
        assert customer is not None
        return bool(customer.opted_out)


async def a_free_time_tomorrow(chat: Chat, service: str) -> str:
    """An hour that is free for ``service`` tomorrow at Bandra, as "HH:MM"."""
    service_id = next(sid for sid, name, _ in chat.deps.snapshot.services if name == service)
    tomorrow = (chat.deps.clock.now().astimezone(chat.deps.salon.zone) + timedelta(days=1)).date()
    found = await run_tool(check_availability, chat.deps.tool_context(),
                           {"service_ids": [service_id], "from_date": tomorrow.isoformat(), "limit": 50})
    on_the_hour = [s for s in found.slots if s.starts_at.astimezone(chat.deps.salon.zone).minute == 0]
    return on_the_hour[-1].starts_at.astimezone(chat.deps.salon.zone).strftime("%H:%M")
