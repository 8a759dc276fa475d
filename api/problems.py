"""Errors as RFC 9457 problem details (application/problem+json), for every error the API returns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.correlation import correlation_id
from domain.errors import DomainError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://cazo.app/problems/"


def problem(status: int, title: str, *, detail: str | None = None, type_: str | None = None,
            instance: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": f"{PROBLEM_BASE}{type_}" if type_ else "about:blank", "title": title,
                            "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if rid := correlation_id.get():
        body["request_id"] = rid
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(exc.status, _title(exc.status), detail=exc.message, type_=exc.code.replace("_", "-"),
                   instance=request.url.path, **({"details": exc.details} if exc.details else {}))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem(exc.status_code, _title(exc.status_code),
                       detail=exc.detail if isinstance(exc.detail, str) else None, instance=request.url.path)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
              for error in exc.errors()]
    return problem(422, "Unprocessable Content", detail="The request is not valid; see errors.",
                   type_="validation-error", instance=request.url.path, errors=errors)


def internal_error(path: str) -> JSONResponse:
    """The 500 answer. The unit of work rolled back, so nothing the request started was kept."""
    return problem(500, "Internal Server Error", detail="Something went wrong on our side; nothing was changed.",
                   instance=path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
