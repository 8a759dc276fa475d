"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import RuntimeDep

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, dict[str, Any]]


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Liveness:
    """The process is up. Touches no dependency, so a slow database never restarts a healthy process."""
    return Liveness(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(runtime: RuntimeDep) -> Any:
    """Ready to serve: the database answers at the current schema, and Redis answers. 503 otherwise."""
    checks = await runtime.check_ready()
    ready = all(check.get("ok") for check in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
