"""The service menu under /api/v1: search by what customers call a service, and one service's details."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ToolContextDep
from tools.base import run_tool
from tools.catalog import (
    SearchServicesInput,
    ServiceDetails,
    ServiceDetailsInput,
    ServiceSearchResult,
    search_services,
    service_details,
)

router = APIRouter(prefix="/api/v1/services", tags=["catalog"])
_SEARCH = SearchServicesInput.model_fields


@router.get("/search", response_model=ServiceSearchResult)
async def search(ctx: ToolContextDep,
                 q: Annotated[str, Query(min_length=1, max_length=100, description=_SEARCH["query"].description)],
                 limit: Annotated[int, Query(ge=1, le=20, description=_SEARCH["limit"].description)] = 5) \
        -> ServiceSearchResult:
    """Find services by name or alias, in English, Hinglish or Hindi, best match first."""
    return await run_tool(search_services, ctx, SearchServicesInput(query=q, limit=limit))


@router.get("/{service_id}", response_model=ServiceDetails)
async def details(service_id: uuid.UUID, ctx: ToolContextDep, branch_id: uuid.UUID | None = None) -> ServiceDetails:
    """One service: description, timings, price, and who can do it at the branch."""
    return await run_tool(service_details, ctx, ServiceDetailsInput(service_id=service_id, branch_id=branch_id))
