"""The staff side of conversations under /api/v1: handoffs to a person, and the salon's knowledge base (FAQ).

Thin adapters over staff tools (``tools/handoffs.py``, ``tools/faq.py``); handing a conversation back to the bot
also resets the conversation's checkpointed state, so that one goes through ``graphs.turn.release_handoff`` with
the runtime's compiled customer graph and checkpoint pool. Any staff role reads; the owner or a manager edits
the knowledge base.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import RuntimeDep, ToolContextDep
from domain.errors import Conflict
from domain.services.conversations import MAX_LIST, HandoffFilter
from graphs.serial import ConversationBusy
from graphs.turn import release_handoff
from tools import faq
from tools import handoffs as tools
from tools.base import require_role, run_tool
from tools.context import STAFF_ROLES

router = APIRouter(prefix="/api/v1", tags=["conversations"])
_MISSING: dict[int | str, dict[str, Any]] = {404: {"description": "No such handoff or entry in this salon."}}
_HANDOFFS = tools.ListHandoffsInput.model_fields


@router.get("/handoffs", response_model=tools.HandoffList)
async def list_handoffs(ctx: ToolContextDep,
                        state: Annotated[HandoffFilter, Query(alias="status", description=_HANDOFFS[
                            "status"].description)] = "open",
                        limit: Annotated[int, Query(ge=1, le=MAX_LIST, description=_HANDOFFS[
                            "limit"].description)] = 50) -> tools.HandoffList:
    """Conversations handed to a person, newest first, with the transcript (staff only)."""
    return await run_tool(tools.list_handoffs, ctx, tools.ListHandoffsInput(status=state, limit=limit))


@router.get("/handoffs/{handoff_id}", response_model=tools.HandoffView, responses=_MISSING)
async def get_handoff(handoff_id: uuid.UUID, ctx: ToolContextDep) -> tools.HandoffView:
    """One conversation handed to a person (staff only)."""
    return await run_tool(tools.get_handoff, ctx, tools.HandoffIdInput(handoff_id=handoff_id))


@router.post("/handoffs/{handoff_id}/release", response_model=tools.HandoffRelease, responses=_MISSING)
async def release(handoff_id: uuid.UUID, ctx: ToolContextDep, runtime: RuntimeDep) -> tools.HandoffRelease:
    """Hand the conversation back to the bot, which answers the customer's next message. Safe to repeat."""
    require_role(ctx, STAFF_ROLES, "release_handoff")
    try:
        released = await release_handoff(runtime.customer_graph, runtime.checkpoint_pool, ctx.sessions, ctx.clock,
                                         ctx.tenant_id, handoff_id, ctx.actor.id or ctx.role)
    except ConversationBusy:
        raise Conflict("The customer's message is being handled right now; try again in a moment.") from None
    view = await run_tool(tools.get_handoff, ctx, tools.HandoffIdInput(handoff_id=handoff_id))
    return tools.HandoffRelease(**view.model_dump(), released=released)


@router.get("/faq", response_model=faq.FaqList)
async def list_faq(ctx: ToolContextDep,
                   include_inactive: Annotated[bool, Query(description=faq.ListFaqInput.model_fields[
                       "include_inactive"].description)] = False) -> faq.FaqList:
    """The salon's knowledge base: each entry's phrasings and its answer in each language (staff only)."""
    return await run_tool(faq.list_faq_entries, ctx, faq.ListFaqInput(include_inactive=include_inactive))


@router.post("/faq", response_model=faq.FaqEntryView, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "The topic or a phrasing is already another entry's."}})
async def add_faq(body: faq.AddFaqEntryInput, ctx: ToolContextDep) -> faq.FaqEntryView:
    """Add an entry; the bot answers from it straight away (owner or manager)."""
    return await run_tool(faq.add_faq_entry, ctx, body)


@router.patch("/faq/{entry_id}", response_model=faq.FaqEntryView, responses=_MISSING)
async def change_faq(entry_id: uuid.UUID, body: faq.FaqChange, ctx: ToolContextDep) -> faq.FaqEntryView:
    """Change an entry's phrasings or answers, or switch it on or off (owner or manager)."""
    return await run_tool(faq.change_faq_entry, ctx, faq.ChangeFaqEntryInput(
        entry_id=entry_id, phrasings=body.phrasings, answers=body.answers, active=body.active))


@router.delete("/faq/{entry_id}", response_model=faq.FaqEntryView, responses=_MISSING)
async def switch_off_faq(entry_id: uuid.UUID, ctx: ToolContextDep) -> faq.FaqEntryView:
    """Switch an entry off: the bot stops answering from it; PATCH active=true brings it back (owner or manager)."""
    return await run_tool(faq.switch_off_faq_entry, ctx, faq.FaqEntryIdInput(entry_id=entry_id))
