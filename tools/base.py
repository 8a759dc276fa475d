"""A tool is one typed domain operation, defined once and served to chat, REST and the console alike.

``run_tool`` is the one way in: it validates the input, checks the caller's role, opens a unit of work for the
context's tenant and actor, runs the handler, and commits a change exactly once. A change sent with an
idempotency key stores its answer in the same transaction, so a retry (a webhook redelivered, a graph resumed
after ``interrupt()``, a double-tapped button) gets the first answer back instead of doing the work twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import text

from domain.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from domain.models import IdempotencyRecord
from domain.uow import UnitOfWork
from tools import trace
from tools.context import Role, ToolContext

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)
MAX_KEY_LENGTH = 120  # the column's width


@dataclass(frozen=True)
class Tool(Generic[In, Out]):
    """``description`` and the input model's field descriptions are written for a language model to read."""

    name: str
    description: str
    input_model: type[In]
    output_model: type[Out]
    handler: Callable[[ToolContext, In, UnitOfWork], Awaitable[Out]]
    mutates: bool
    roles: frozenset[Role]


class ToolError(BaseModel):
    """What a model is told when a tool refuses: the reason in words, and what it can offer instead."""

    error: str
    message: str
    details: dict[str, Any] = {}

    @classmethod
    def of(cls, exc: DomainError) -> ToolError:
        return cls(error=exc.code, message=exc.message, details=exc.details)


def parse_input(tool: Tool[In, Out], payload: In | Mapping[str, Any]) -> In:
    if isinstance(payload, tool.input_model):
        return payload
    try:
        return tool.input_model.model_validate(payload)
    except ValidationError as exc:
        problems = [{"loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors()]
        raise InvalidInput(f"The input to {tool.name} is not valid.", errors=problems) from exc


def request_hash(tool: Tool[In, Out], ctx: ToolContext, data: In) -> str:
    # The caller's identity is part of the request: a customer replaying another customer's key must not be
    # handed that customer's booking.
    canonical = json.dumps({"tool": tool.name, "role": ctx.role, "customer_id": str(ctx.customer_id or ""),
                            "input": data.model_dump(mode="json")},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def require_role(ctx: ToolContext, roles: frozenset[Role], action: str) -> None:
    """Refuse a caller whose role may not do ``action`` (a tool's name, or a verb outside the tools)."""
    if ctx.role not in roles:
        raise PermissionDenied(f"A {ctx.role.replace('_', ' ')} cannot use {action}.", tool=action)


async def run_tool(tool: Tool[In, Out], ctx: ToolContext, payload: In | Mapping[str, Any],
                   idempotency_key: str | None = None) -> Out:
    """Run ``tool`` for ``ctx``. Domain errors propagate (and nothing is changed); the REST surface maps them to
    problem documents, the chat surface to a ``ToolError``."""
    data = parse_input(tool, payload)
    if not trace.tracing():
        return await _run(tool, ctx, data, idempotency_key)
    try:
        result = await _run(tool, ctx, data, idempotency_key)
    except DomainError as exc:
        trace.note(tool.name, data.model_dump(mode="json"), exc.code)
        raise
    trace.note(tool.name, data.model_dump(mode="json"), "ok")
    return result


async def _run(tool: Tool[In, Out], ctx: ToolContext, data: In, idempotency_key: str | None) -> Out:
    require_role(ctx, tool.roles, tool.name)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise InvalidInput(f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.")
    async with UnitOfWork(ctx.sessions, tenant_id=ctx.tenant_id, actor=ctx.actor, clock=ctx.clock,
                          request_id=ctx.request_id) as uow:
        if not tool.mutates:
            return await tool.handler(ctx, data, uow)
        if idempotency_key is None:
            result = await tool.handler(ctx, data, uow)
            await uow.commit()
            return result
        digest = request_hash(tool, ctx, data)
        # Serialises two retries racing with one key: the second waits here, then finds the first's record.
        await uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                                  {"k": f"idem:{ctx.tenant_id}:{idempotency_key}"})
        stored = await uow.session.get(IdempotencyRecord, (ctx.tenant_id, idempotency_key))
        if stored is not None:
            if stored.operation != tool.name or stored.request_hash != digest:
                raise Conflict("This idempotency key was already used for a different request.",
                               idempotency_key=idempotency_key)
            return tool.output_model.model_validate(stored.response)
        result = await tool.handler(ctx, data, uow)
        uow.session.add(IdempotencyRecord(tenant_id=ctx.tenant_id, key=idempotency_key, operation=tool.name,
                                          request_hash=digest, response=result.model_dump(mode="json")))
        await uow.commit()
        return result


async def call_tool(tool: Tool[In, Out], ctx: ToolContext, payload: In | Mapping[str, Any],
                    idempotency_key: str | None = None) -> Out | ToolError:
    """``run_tool`` for surfaces that answer a refusal rather than raise it (chat): domain errors come back
    as a ``ToolError``; anything else is a bug and still raises."""
    try:
        return await run_tool(tool, ctx, payload, idempotency_key)
    except DomainError as exc:
        return ToolError.of(exc)
