"""The staff side of the WhatsApp channel under /api/v1/whatsapp: messages that failed and sending them again,
and the salon's business numbers.

Thin adapters over the staff tools in ``tools/whatsapp.py``, which hold the role rules: any staff role reads; the
owner, a manager or the front desk retries; only the owner registers a number.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import ToolContextDep
from domain.services.outbound import MAX_LIST, MAX_ROW_ID
from tools import whatsapp as tools
from tools.base import run_tool

router = APIRouter(prefix="/api/v1/whatsapp", tags=["whatsapp staff"])
MessageId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The message's id, as listed.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIST, description="At most this many, newest first.")]
_OUT = tools.ListOutboundInput.model_fields
_IN = tools.ListInboundInput.model_fields
_RETRY: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such message in this salon."},
    409: {"description": "The message is on its way, sent or answered: it is not sent or handled again."}}


@router.get("/outbound", response_model=tools.OutboundList)
async def list_outbound(ctx: ToolContextDep,
                        state: Annotated[tools.OutboundFilter, Query(alias="status", description=_OUT[
                            "status"].description)] = "failed",
                        customer_id: Annotated[uuid.UUID | None, Query(description=_OUT[
                            "customer_id"].description)] = None,
                        limit: Limit = 50) -> tools.OutboundList:
    """Messages to customers, newest first (by default the failed ones, with the reason) (staff only)."""
    return await run_tool(tools.list_outbound, ctx,
                          tools.ListOutboundInput(status=state, customer_id=customer_id, limit=limit))


@router.post("/outbound/{message_id}/retry", response_model=tools.OutboundRetry, responses=_RETRY)
async def retry_outbound(message_id: MessageId, ctx: ToolContextDep) -> tools.OutboundRetry:
    """Queue a failed or cancelled message again, due now; one already queued is left as it is (owner, manager
    or front desk)."""
    return await run_tool(tools.retry_outbound, ctx, tools.MessageIdInput(message_id=message_id))


@router.get("/inbound", response_model=tools.InboundList)
async def list_inbound(ctx: ToolContextDep,
                       state: Annotated[tools.InboundFilter, Query(alias="status", description=_IN[
                           "status"].description)] = "failed",
                       limit: Limit = 50) -> tools.InboundList:
    """Customer messages, newest first (by default those parked after repeated failures) (staff only)."""
    return await run_tool(tools.list_inbound, ctx, tools.ListInboundInput(status=state, limit=limit))


@router.post("/inbound/{message_id}/retry", response_model=tools.InboundRetry, responses=_RETRY)
async def retry_inbound(message_id: MessageId, ctx: ToolContextDep) -> tools.InboundRetry:
    """Hand a parked customer message back to the bot; one already queued is left as it is (owner, manager or
    front desk)."""
    return await run_tool(tools.retry_inbound, ctx, tools.MessageIdInput(message_id=message_id))


@router.get("/numbers", response_model=tools.NumberList)
async def list_numbers(ctx: ToolContextDep) -> tools.NumberList:
    """The salon's WhatsApp business numbers and the branch each answers for (staff only)."""
    return await run_tool(tools.list_numbers, ctx, tools.ListNumbersInput())


@router.post("/numbers", response_model=tools.NumberRegistration, status_code=status.HTTP_201_CREATED,
             response_description="Registered.",
             responses={200: {"description": "Already routed to this branch; nothing changed.",
                              "model": tools.NumberRegistration},
                        404: {"description": "No such branch in this salon."},
                        409: {"description": "The number is routed to another branch or salon."}})
async def register_number(body: tools.RegisterNumberInput, ctx: ToolContextDep,
                          response: Response) -> tools.NumberRegistration:
    """Route a WhatsApp business number to a branch, so its customers' messages reach that branch (owner only).
    Safe to repeat: 201 when it was added, 200 when it already was."""
    registered = await run_tool(tools.register_number, ctx, body)
    if not registered.created:
        response.status_code = status.HTTP_200_OK
    return registered
