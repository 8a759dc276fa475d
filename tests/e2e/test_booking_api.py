"""The booking API under /api/v1, through the real ASGI app, against the run's PostgreSQL and a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import Customer
from domain.uow import UnitOfWork
from tests.e2e.test_api import client_for, settings_for
from tests.scheduling_salon import FRIDAY, Studio, studio

PROBLEM = "application/problem+json"


@pytest.fixture
async def salon(uow_for: Callable[..., UnitOfWork]) -> Studio:
    return await studio(uow_for)


@pytest.fixture
async def client(database_url: str, clock: FixedClock, salon: Studio) -> AsyncIterator[httpx.AsyncClient]:
    del salon  # made first, in the same database the app serves
    app: FastAPI = create_app(lambda: open_runtime(settings_for(database_url), clock=clock))
    async for client in client_for(app):
        yield client


def as_customer(salon: Studio, customer: Customer) -> dict[str, str]:
    return {"X-Tenant-ID": str(salon.tenant_id), "X-Actor-Role": "customer", "X-Customer-ID": str(customer.id),
            "X-Branch-ID": str(salon.branch_id)}


def as_desk(salon: Studio) -> dict[str, str]:
    return {"X-Tenant-ID": str(salon.tenant_id), "X-Actor-Role": "front_desk", "X-Actor-ID": "desk-1"}


def haircut_at(salon: Studio, hour: int, **extra: Any) -> dict[str, Any]:
    return {"branch_id": str(salon.branch_id), "service_ids": [str(salon.haircut.id)],
            "starts_at": salon.at(FRIDAY, hour).isoformat(), **extra}


async def test_a_customer_holds_confirms_reschedules_and_cancels_over_rest(client: httpx.AsyncClient,
                                                                         salon: Studio) -> None:
    riya = as_customer(salon, salon.riya)
    slots = await client.post("/api/v1/availability", headers=riya, json={
        "service_ids": [str(salon.haircut.id)], "from_date": FRIDAY.isoformat(), "limit": 2})
    assert slots.status_code == 200 and slots.json()["slots"][0]["local_time"] == "Fri 27 Nov 2026 10:00"
    held = await client.post("/api/v1/holds", headers=riya, json=haircut_at(salon, 11))
    assert held.status_code == 201, held.text
    booking = held.json()
    assert booking["status"] == "held" and booking["customer_id"] == str(salon.riya.id)
    assert booking["starts_at"] == "2026-11-27T05:30:00Z" and booking["total_price"] == "₹500"
    confirmed = await client.post(f"/api/v1/bookings/{booking['id']}/confirm", headers=riya)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    moved = await client.post(f"/api/v1/bookings/{booking['id']}/reschedule", headers=riya,
                              json={"starts_at": salon.at(FRIDAY, 16).isoformat()})
    assert moved.status_code == 200, moved.text
    assert moved.json()["local_time"] == "Fri 27 Nov 2026 16:00" and moved.json()["reschedule_count"] == 1
    cancelled = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=riya,
                                  json={"reason": "travelling"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    mine = await client.get(f"/api/v1/customers/{salon.riya.id}/bookings", headers=riya,
                            params={"include_past": "true"})
    assert [b["status"] for b in mine.json()["bookings"]] == ["cancelled"]


async def test_a_taken_slot_is_a_409_problem_with_alternatives(client: httpx.AsyncClient, salon: Studio) -> None:
    booked = await client.post("/api/v1/bookings", headers=as_desk(salon), json=haircut_at(
        salon, 11, customer_id=str(salon.kabir.id), staff_id=str(salon.asha.id)))
    assert booked.status_code == 201 and booked.json()["status"] == "confirmed"
    refused = await client.post("/api/v1/holds", headers=as_customer(salon, salon.riya),
                                json=haircut_at(salon, 11, staff_id=str(salon.asha.id)))
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert body["type"].endswith("/slot-unavailable") and body["detail"] == "That time is taken."
    alternatives = body["details"]["alternatives"]
    assert alternatives[0]["local_time"] == "Fri 27 Nov 2026 10:30" and alternatives[0]["items"][0]["staff"] == "Asha"


async def test_the_same_idempotency_key_returns_the_first_booking_over_rest(client: httpx.AsyncClient,
                                                                           salon: Studio) -> None:
    headers = {**as_customer(salon, salon.riya), "Idempotency-Key": "widget-7f3a"}
    first = await client.post("/api/v1/holds", headers=headers, json=haircut_at(salon, 11))
    again = await client.post("/api/v1/holds", headers=headers, json=haircut_at(salon, 11))
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    other = await client.post("/api/v1/holds", headers=headers, json=haircut_at(salon, 12))
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    mine = await client.get(f"/api/v1/customers/{salon.riya.id}/bookings", headers=headers)
    assert len(mine.json()["bookings"]) == 1


async def test_a_customer_cannot_book_directly_or_read_someone_elses_bookings(client: httpx.AsyncClient,
                                                                             salon: Studio) -> None:
    riya = as_customer(salon, salon.riya)
    direct = await client.post("/api/v1/bookings", headers=riya, json=haircut_at(salon, 11))
    assert direct.status_code == 403 and direct.headers["content-type"] == PROBLEM
    theirs = await client.get(f"/api/v1/customers/{salon.kabir.id}/bookings", headers=riya)
    assert theirs.status_code == 403
    kabirs = await client.post("/api/v1/bookings", headers=as_desk(salon),
                               json=haircut_at(salon, 12, customer_id=str(salon.kabir.id)))
    cancel = await client.post(f"/api/v1/bookings/{kabirs.json()['id']}/cancel", headers=riya)
    assert cancel.status_code == 403


async def test_the_front_desk_checks_in_and_completes_over_rest(client: httpx.AsyncClient, salon: Studio,
                                                               clock: FixedClock) -> None:
    desk = as_desk(salon)
    wednesday = FRIDAY.replace(day=25)
    booked = await client.post("/api/v1/bookings", headers=desk, json={
        "branch_id": str(salon.branch_id), "service_ids": [str(salon.haircut.id)], "walk_in": True,
        "starts_at": salon.at(wednesday, 13, 30).isoformat(), "customer_id": str(salon.riya.id)})
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["id"]
    assert (await client.post(f"/api/v1/bookings/{booking_id}/check-in", headers=desk)).json()["status"] \
        == "checked_in"
    assert (await client.post(f"/api/v1/bookings/{booking_id}/complete", headers=desk)).json()["status"] \
        == "completed"
    no_show = await client.post(f"/api/v1/bookings/{booking_id}/no-show", headers=desk)
    assert no_show.status_code == 409 and no_show.json()["type"].endswith("/invalid-transition")


async def test_catalog_search_and_details_over_rest(client: httpx.AsyncClient, salon: Studio) -> None:
    riya = as_customer(salon, salon.riya)
    found = await client.get("/api/v1/services/search", headers=riya, params={"q": "baal katwana"})
    assert found.status_code == 200 and found.json()["services"][0]["name"] == "Haircut"
    details = await client.get(f"/api/v1/services/{salon.beard.id}", headers=riya)
    assert details.status_code == 200 and {p["name"] for p in details.json()["staff"]} == {"Asha", "Vikram"}
    missing = await client.get(f"/api/v1/services/{salon.tenant_id}", headers=riya)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


async def test_a_customer_joins_the_waitlist_over_rest(client: httpx.AsyncClient, salon: Studio) -> None:
    joined = await client.post("/api/v1/waitlist", headers=as_customer(salon, salon.riya), json={
        "day": FRIDAY.isoformat(), "service_ids": [str(salon.colour.id)]})
    assert joined.status_code == 201 and joined.json()["customer_id"] == str(salon.riya.id)


@pytest.mark.parametrize(("headers", "status", "mentions"), [
    ({}, 400, "X-Tenant-ID"),
    ({"X-Tenant-ID": "glow"}, 422, "X-Tenant-ID"),
    ({"X-Actor-Role": "wizard"}, 422, "X-Actor-Role"),
    ({"X-Actor-Role": "customer"}, 422, "X-Customer-ID"),
    ({"X-Actor-Role": "customer", "X-Customer-ID": "riya"}, 422, "X-Customer-ID"),
])
async def test_missing_or_invalid_identity_headers_are_problems(client: httpx.AsyncClient, salon: Studio,
                                                                headers: dict[str, str], status: int,
                                                                mentions: str) -> None:
    sent = {"X-Tenant-ID": str(salon.tenant_id), **headers} if headers else {}
    response = await client.get("/api/v1/services/search", headers=sent, params={"q": "cut"})
    assert response.status_code == status and response.headers["content-type"] == PROBLEM
    assert mentions in response.json()["detail"]


async def test_the_openapi_schemas_are_the_tools_models(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert {"HoldSlotInput", "BookAppointmentInput", "BookingView", "CheckAvailabilityInput",
            "RescheduleChange", "JoinWaitlistInput", "ServiceSearchResult"} <= set(schemas)
    hold = spec["paths"]["/api/v1/holds"]["post"]
    assert hold["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/HoldSlotInput")
    assert "Idempotency-Key" in {parameter["name"] for parameter in hold["parameters"]}
    assert "201" in hold["responses"] and "409" in hold["responses"]
