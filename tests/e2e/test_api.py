"""The HTTP edge, through the real ASGI app and lifespan, against the run's PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from cazo.database import code_schema_head
from cazo.settings import Settings
from cazo.wiring import build_app
from domain.errors import InvalidInput


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, environment="test", database_url=url)  # type: ignore[call-arg]


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cazo.test") as client:
            yield client


@pytest.fixture
async def app(database_url: str) -> FastAPI:
    app = build_app(settings_for(database_url))

    @app.get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("kaboom with +919820012345")

    @app.get("/refuse", include_in_schema=False)
    async def refuse() -> None:
        raise InvalidInput("That is not a time we open.", field="time")

    @app.get("/typed", include_in_schema=False)
    async def typed(count: int) -> dict[str, int]:
        return {"count": count}

    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(app):
        yield client


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_says_the_database_and_redis_are_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True and body["checks"]["database"]["schema"] == code_schema_head()
    assert body["checks"]["redis"] == {"ok": True, "fake": True}


async def test_readyz_is_unavailable_when_the_schema_is_not_migrated(
        make_database: Callable[[], Awaitable[str]], database_url: str) -> None:
    del database_url  # makes sure the application role exists on the server
    app = build_app(settings_for(await make_database()))
    async for client in client_for(app):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"]["ok"] is False
        assert "cazo db migrate" in response.json()["checks"]["database"]["error"]


async def test_the_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    spec = await client.get("/openapi.json")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert spec.status_code == 200 and "/readyz" in spec.json()["paths"]


async def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_caller(
        client: httpx.AsyncClient) -> None:
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "trace-abc-12345"})
    assert echoed.headers["x-request-id"] == "trace-abc-12345"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "x\nFAKE LOG LINE"})
    assert hostile.headers["x-request-id"] != "x\nFAKE LOG LINE"


async def test_an_unknown_path_is_a_problem_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"X-Request-ID": "trace-404-000001"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert body["instance"] == "/nope" and body["request_id"] == "trace-404-000001"


async def test_a_wrong_method_is_a_problem_document_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.post("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET" in response.headers["allow"]


async def test_a_crash_is_a_500_problem_that_hides_the_details(client: httpx.AsyncClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert "kaboom" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]
    assert any("unhandled error on GET /boom" in record.getMessage() for record in caplog.records)


async def test_a_domain_error_becomes_a_typed_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/refuse")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/invalid-input")
    assert body["detail"] == "That is not a time we open."
    assert body["details"] == {"field": "time"}


async def test_request_validation_errors_are_problems_listing_each_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/typed", params={"count": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert body["errors"][0]["loc"] == ["query", "count"]
