"""Conversations handed to a person, as staff see them: which are waiting, newest first, and who each customer is.

Handing a conversation back to the bot also changes the conversation's checkpointed state, which the domain does
not know about; that verb is ``graphs.turn.release_handoff``.
"""

from __future__ import annotations

import uuid
from typing import Literal, get_args

from sqlalchemy import select

from domain.errors import InvalidInput, NotFound
from domain.models import Customer, Handoff
from domain.uow import UnitOfWork

HandoffFilter = Literal["open", "closed", "all"]
HANDOFF_FILTERS: tuple[HandoffFilter, ...] = get_args(HandoffFilter)
MAX_LIST = 200


async def list_handoffs(uow: UnitOfWork, *, status: str = "open", limit: int = 50) -> list[tuple[Handoff, Customer]]:
    """The salon's handoffs in ``status`` (open, closed or all), newest first, each with its customer."""
    tenant_id = uow.require_tenant()
    if status not in HANDOFF_FILTERS:
        raise InvalidInput(f"status must be one of: {', '.join(HANDOFF_FILTERS)}.", field="status")
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}.", field="limit")
    query = (select(Handoff, Customer).join(Customer, Customer.id == Handoff.customer_id)
             .where(Handoff.tenant_id == tenant_id))
    if status != "all":
        query = query.where(Handoff.status == status)
    rows = await uow.session.execute(query.order_by(Handoff.opened_at.desc(), Handoff.id.desc()).limit(limit))
    return [(handoff, customer) for handoff, customer in rows]


async def get_handoff(uow: UnitOfWork, handoff_id: uuid.UUID) -> tuple[Handoff, Customer]:
    """One handoff of the salon with its customer, or NotFound (another salon's handoff is not found either)."""
    tenant_id = uow.require_tenant()
    row = (await uow.session.execute(
        select(Handoff, Customer).join(Customer, Customer.id == Handoff.customer_id)
        .where(Handoff.tenant_id == tenant_id, Handoff.id == handoff_id))).first()
    if row is None:
        raise NotFound("No such handoff.", id=str(handoff_id))
    handoff, customer = row
    return handoff, customer
