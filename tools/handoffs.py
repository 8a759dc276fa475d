"""Staff tools for conversations handed to a person: the list of handoffs and one handoff, with its transcript.

Staff only. They are not in ``tools.registry``: that list is what a customer's chat model may be offered.
A customer's phone number is shown masked (country code and last four digits), as everywhere outside the chat.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.models import Customer, Handoff
from domain.phone import mask_phone
from domain.services import conversations as service
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import STAFF_ROLES, ToolContext


class CustomerRef(BaseModel):
    id: uuid.UUID
    name: str | None
    phone: str = Field(description="Masked: the country code and the last four digits, e.g. '+91******5678'.")


class TranscriptLine(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    speaker: str = Field(alias="from", description="customer or bot")
    text: str


class HandoffView(BaseModel):
    id: uuid.UUID
    status: str = Field(description="open (a person has the conversation; the bot is silent) or closed")
    customer: CustomerRef
    reason: str = Field(description="Why the bot handed over, e.g. 'asked for a person' or 'abusive message'.")
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None = Field(description="Who handed the conversation back to the bot.")
    transcript: list[TranscriptLine] = Field(description="The conversation's last lines when it was handed over.")


class HandoffList(BaseModel):
    handoffs: list[HandoffView]


class HandoffRelease(HandoffView):
    released: bool = Field(description="True when this call handed the conversation back; false when it had "
                                       "already been handed back (nothing changed).")


class ListHandoffsInput(BaseModel):
    status: service.HandoffFilter = Field("open", description="open, closed or all")
    limit: int = Field(50, ge=1, le=service.MAX_LIST, description="At most this many, newest first.")


class HandoffIdInput(BaseModel):
    handoff_id: uuid.UUID


def _line(line: Any) -> TranscriptLine:
    line = line if isinstance(line, dict) else {}
    return TranscriptLine(speaker=str(line.get("from") or ""), text=str(line.get("text") or ""))


def handoff_view(handoff: Handoff, customer: Customer) -> HandoffView:
    return HandoffView(
        id=handoff.id, status=handoff.status,
        customer=CustomerRef(id=customer.id, name=customer.name, phone=mask_phone(customer.phone_e164)),
        reason=handoff.reason, opened_at=handoff.opened_at, closed_at=handoff.closed_at, closed_by=handoff.closed_by,
        transcript=[_line(line) for line in handoff.transcript or []])


async def _list(ctx: ToolContext, data: ListHandoffsInput, uow: UnitOfWork) -> HandoffList:
    rows = await service.list_handoffs(uow, status=data.status, limit=data.limit)
    return HandoffList(handoffs=[handoff_view(handoff, customer) for handoff, customer in rows])


async def _get(ctx: ToolContext, data: HandoffIdInput, uow: UnitOfWork) -> HandoffView:
    return handoff_view(*await service.get_handoff(uow, data.handoff_id))


list_handoffs = Tool(
    name="list_handoffs", description="Conversations handed to a person, newest first, with their transcripts.",
    input_model=ListHandoffsInput, output_model=HandoffList, handler=_list, mutates=False, roles=STAFF_ROLES)
get_handoff = Tool(
    name="get_handoff", description="One conversation handed to a person, with its transcript.",
    input_model=HandoffIdInput, output_model=HandoffView, handler=_get, mutates=False, roles=STAFF_ROLES)
