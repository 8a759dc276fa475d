"""FastAPI dependencies, as Annotated aliases: ``RuntimeDep``, ``SessionDep``, ``ToolContextDep``."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from domain.correlation import correlation_id
from domain.errors import InvalidInput, TenantRequired
from domain.uow import Actor
from tools.context import ROLES, Role, ToolContext

_ACTOR_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


async def get_runtime(request: Request) -> Runtime:
    # async: a plain def would be run in the thread pool, a thread handoff on every request for an attribute read
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def _uuid_header(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"The {name} header must be a UUID.", header=name) from None


async def get_tool_context(
        runtime: RuntimeDep,
        x_tenant_id: Annotated[str | None, Header(description="The salon (tenant) id.")] = None,
        x_actor_role: Annotated[str, Header(description="Who is calling: " + ", ".join(ROLES))] = "front_desk",
        x_actor_id: Annotated[str | None, Header(description="The staff member's or system's id.")] = None,
        x_customer_id: Annotated[str | None, Header(description="The customer; required for the customer role.")]
        = None,
        x_branch_id: Annotated[str | None, Header(description="The default branch for this call.")] = None,
) -> ToolContext:
    """The tools' context for this request, read from X-* headers.

    Provisional: there is no authentication yet, so these headers are trusted as they come. A later issue
    replaces this dependency with one that reads a verified session or token; the routes do not change.
    """
    if not x_tenant_id:
        raise TenantRequired("Say which salon this is for: send the X-Tenant-ID header.")
    tenant_id = _uuid_header("X-Tenant-ID", x_tenant_id)
    if x_actor_role not in ROLES:
        raise InvalidInput(f"X-Actor-Role must be one of: {', '.join(ROLES)}.", header="X-Actor-Role")
    role: Role = x_actor_role  # narrowed by the membership test above
    customer_id = _uuid_header("X-Customer-ID", x_customer_id) if x_customer_id else None
    branch_id = _uuid_header("X-Branch-ID", x_branch_id) if x_branch_id else None
    if x_actor_id is not None and not _ACTOR_ID.match(x_actor_id):
        raise InvalidInput("X-Actor-ID must be 1 to 64 plain characters.", header="X-Actor-ID")
    if role == "customer":
        if customer_id is None:
            raise InvalidInput("A customer caller must send X-Customer-ID.", header="X-Customer-ID")
        actor = Actor("customer", str(customer_id))
    elif role == "system":
        actor = Actor.system(x_actor_id or "api")
    else:
        actor = Actor("staff", x_actor_id)
    return ToolContext(sessions=runtime.sessions, clock=runtime.clock, tenant_id=tenant_id, actor=actor, role=role,
                       branch_id=branch_id, customer_id=customer_id, request_id=correlation_id.get(),
                       source="widget" if role == "customer" else "console")


ToolContextDep = Annotated[ToolContext, Depends(get_tool_context)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=120, description=(
    "Send the same key to retry a change safely: the first answer comes back instead of a second change."))]
