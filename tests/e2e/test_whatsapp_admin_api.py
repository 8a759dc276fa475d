"""The staff side of the WhatsApp channel under /api/v1/whatsapp, through the real ASGI app against the run's
PostgreSQL: failed sends and parked messages listed and queued again, business numbers registered by the owner,
and every refusal a problem document."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import InboundStatus, OutboundStatus
from domain.uow import UnitOfWork
from tests.e2e.test_api import client_for, settings_for
from tests.factories import Salon, make_salon
from tests.tools.test_whatsapp_tools import GAVE_UP, NUMBER_ID, a_failed_send, a_parked_message, an_inbound, an_outbound

PROBLEM = "application/problem+json"
BASE = "/api/v1/whatsapp"
UowFor = Callable[..., UnitOfWork]


@pytest.fixture
async def client(database_url: str, clock: FixedClock, uow_for: UowFor) -> AsyncIterator[httpx.AsyncClient]:
    del uow_for  # the tables are emptied after the test
    # These routes never run a conversation, so the runtime opens without one.
    app: FastAPI = create_app(lambda: open_runtime(settings_for(database_url), clock=clock, conversations=False))
    async for client in client_for(app):
        yield client


async def a_salon(uow_for: UowFor, slug: str, phone: str = "+919820012345") -> Salon:
    async with uow_for(uuid.uuid4()) as uow:
        salon = await make_salon(uow, slug, phone=phone)
        await uow.commit()
    return salon


@pytest.fixture
async def glow(uow_for: UowFor) -> Salon:
    return await a_salon(uow_for, "glow")


def staff(salon: Salon, role: str = "front_desk", who: str = "desk-1") -> dict[str, str]:
    return {"X-Tenant-ID": str(salon.tenant_id), "X-Actor-Role": role, "X-Actor-ID": who}


def is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM


# ---- outbound ---------------------------------------------------------------------------------------------------


async def test_staff_see_failed_sends_with_the_reason_and_queue_one_again_once(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor, clock: FixedClock) -> None:
    failed = await a_failed_send(uow_for, clock, glow.tenant_id, glow.customer, minutes_ago=10)
    delivered = await an_outbound(uow_for, clock, glow.tenant_id, glow.customer, status=OutboundStatus.DELIVERED,
                                  wamid="wamid.ok", sent_as="message", sent_at=clock.now(),
                                  delivered_at=clock.now())

    listed = await client.get(f"{BASE}/outbound", headers=staff(glow, "stylist"))
    assert listed.status_code == 200, listed.text
    [message] = listed.json()["messages"]
    assert message["id"] == failed and message["status"] == "failed" and message["last_error"] == GAVE_UP
    assert message["phone"] == "+91******2345" and message["attempts"] == 6 and message["error_code"] == 131000
    assert message["preview"] == "Your haircut is booked for Friday at 5 pm."
    assert "9820012345" not in listed.text
    every = await client.get(f"{BASE}/outbound", headers=staff(glow),
                             params={"status": "all", "customer_id": str(glow.customer.id)})
    assert [m["id"] for m in every.json()["messages"]] == [delivered, failed]

    retried = await client.post(f"{BASE}/outbound/{failed}/retry", headers=staff(glow))
    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert body["requeued"] is True and body["status"] == "queued" and body["attempts"] == 0
    assert body["last_error"] is None and body["failed_at"] is None
    again = await client.post(f"{BASE}/outbound/{failed}/retry", headers=staff(glow, "owner"))
    assert again.status_code == 200 and again.json()["requeued"] is False and again.json()["status"] == "queued"
    assert (await client.get(f"{BASE}/outbound", headers=staff(glow))).json() == {"messages": []}

    refused = await client.post(f"{BASE}/outbound/{delivered}/retry", headers=staff(glow, "manager"))
    assert is_problem(refused, 409) and refused.json()["detail"] == (
        "This message was already delivered; it is not sent again.")


async def test_a_stylist_or_a_customer_cannot_retry_and_bad_ids_are_problems(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor, clock: FixedClock) -> None:
    failed = await a_failed_send(uow_for, clock, glow.tenant_id, glow.customer)
    parked = await a_parked_message(uow_for, clock, glow.tenant_id, glow.branch_id)
    customer = {"X-Tenant-ID": str(glow.tenant_id), "X-Actor-Role": "customer",
                "X-Customer-ID": str(glow.customer.id)}
    for headers in (staff(glow, "stylist"), customer):
        assert is_problem(await client.post(f"{BASE}/outbound/{failed}/retry", headers=headers), 403)
        assert is_problem(await client.post(f"{BASE}/inbound/{parked}/retry", headers=headers), 403)
    assert is_problem(await client.get(f"{BASE}/outbound", headers=customer), 403)
    assert is_problem(await client.get(f"{BASE}/inbound", headers=customer), 403)

    missing = await client.post(f"{BASE}/outbound/{failed + 1000}/retry", headers=staff(glow))
    assert is_problem(missing, 404) and missing.json()["detail"] == "No such outbound message."
    assert is_problem(await client.post(f"{BASE}/inbound/{parked + 1000}/retry", headers=staff(glow)), 404)
    for bad in ("abc", "0", "-4", str(2**63)):
        response = await client.post(f"{BASE}/outbound/{bad}/retry", headers=staff(glow))
        assert is_problem(response, 422) and response.json()["errors"][0]["loc"] == ["path", "message_id"]
    wrong = await client.get(f"{BASE}/outbound", headers=staff(glow), params={"status": "lost"})
    assert is_problem(wrong, 422) and wrong.json()["errors"][0]["loc"] == ["query", "status"]
    assert is_problem(await client.get(f"{BASE}/inbound", headers=staff(glow), params={"limit": 201}), 422)
    assert is_problem(await client.get(f"{BASE}/outbound", headers={"X-Actor-Role": "owner"}), 400)

    listed = (await client.get(f"{BASE}/outbound", headers=staff(glow))).json()["messages"]
    assert [(m["id"], m["status"]) for m in listed] == [(failed, "failed")]  # nothing was changed


async def test_one_salon_cannot_see_or_retry_another_salons_messages(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor, clock: FixedClock) -> None:
    shine = await a_salon(uow_for, "shine", phone="+919820099999")
    failed = await a_failed_send(uow_for, clock, glow.tenant_id, glow.customer)
    parked = await a_parked_message(uow_for, clock, glow.tenant_id, glow.branch_id)
    for path in ("outbound", "inbound"):
        listed = await client.get(f"{BASE}/{path}", headers=staff(shine, "owner"), params={"status": "all"})
        assert listed.status_code == 200 and listed.json() == {"messages": []}
    assert is_problem(await client.post(f"{BASE}/outbound/{failed}/retry", headers=staff(shine, "owner")), 404)
    assert is_problem(await client.post(f"{BASE}/inbound/{parked}/retry", headers=staff(shine, "owner")), 404)
    mine = (await client.get(f"{BASE}/outbound", headers=staff(glow))).json()["messages"]
    assert [m["id"] for m in mine] == [failed]


# ---- inbound ----------------------------------------------------------------------------------------------------


async def test_staff_hand_a_parked_customer_message_back_to_the_bot_once(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor, clock: FixedClock) -> None:
    parked = await a_parked_message(uow_for, clock, glow.tenant_id, glow.branch_id, minutes_ago=3)
    answered = await an_inbound(uow_for, clock, glow.tenant_id, glow.branch_id, status=InboundStatus.DONE,
                                processed_at=clock.now())

    listed = await client.get(f"{BASE}/inbound", headers=staff(glow, "stylist"))
    assert listed.status_code == 200, listed.text
    [message] = listed.json()["messages"]
    assert message["id"] == parked and message["status"] == "failed" and message["attempts"] == 5
    assert message["last_error"] == "TimeoutError: the model did not answer"
    assert message["phone"] == "+91******2345" and message["preview"] == "kal shaam 5 baje haircut"
    assert "9820012345" not in listed.text

    retried = await client.post(f"{BASE}/inbound/{parked}/retry", headers=staff(glow))
    assert retried.status_code == 200, retried.text
    assert retried.json()["requeued"] is True and retried.json()["status"] == "queued"
    assert retried.json()["attempts"] == 0 and retried.json()["last_error"] is None
    again = await client.post(f"{BASE}/inbound/{parked}/retry", headers=staff(glow))
    assert again.status_code == 200 and again.json()["requeued"] is False
    queued = (await client.get(f"{BASE}/inbound", headers=staff(glow), params={"status": "queued"})).json()
    assert [m["id"] for m in queued["messages"]] == [parked]

    refused = await client.post(f"{BASE}/inbound/{answered}/retry", headers=staff(glow))
    assert is_problem(refused, 409) and "already answered" in refused.json()["detail"]


# ---- business numbers -------------------------------------------------------------------------------------------


async def test_the_owner_registers_the_salons_number_and_repeating_it_changes_nothing(
        client: httpx.AsyncClient, glow: Salon) -> None:
    body = {"phone_number_id": NUMBER_ID, "branch_id": str(glow.branch_id), "display_phone": "+91 22 2640 1188"}
    created = await client.post(f"{BASE}/numbers", headers=staff(glow, "owner"), json=body)
    assert created.status_code == 201, created.text
    number = created.json()
    assert number["created"] is True and number["phone_number_id"] == NUMBER_ID
    assert number["display_phone"] == "+912226401188" and number["branch_name"] == "Main"
    again = await client.post(f"{BASE}/numbers", headers=staff(glow, "owner"), json=body)
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["id"] == number["id"]
    listed = await client.get(f"{BASE}/numbers", headers=staff(glow, "stylist"))
    assert listed.status_code == 200
    assert [n["id"] for n in listed.json()["numbers"]] == [number["id"]]


async def test_only_the_owner_registers_and_a_number_is_one_salons(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor) -> None:
    shine = await a_salon(uow_for, "shine", phone="+919820099999")
    body = {"phone_number_id": NUMBER_ID, "branch_id": str(glow.branch_id)}
    for role in ("manager", "front_desk", "stylist"):
        assert is_problem(await client.post(f"{BASE}/numbers", headers=staff(glow, role), json=body), 403)
    assert (await client.post(f"{BASE}/numbers", headers=staff(glow, "owner"), json=body)).status_code == 201

    taken = await client.post(f"{BASE}/numbers", headers=staff(shine, "owner"),
                              json={"phone_number_id": NUMBER_ID, "branch_id": str(shine.branch_id)})
    assert is_problem(taken, 409) and taken.json()["details"] == {"phone_number_id": NUMBER_ID}
    moved = await client.post(f"{BASE}/numbers", headers=staff(glow, "owner"),
                              json={"phone_number_id": NUMBER_ID, "branch_id": str(shine.branch_id)})
    assert is_problem(moved, 404) and moved.json()["detail"] == "No such branch."
    assert (await client.get(f"{BASE}/numbers", headers=staff(shine, "owner"))).json() == {"numbers": []}

    for bad, where in (({"phone_number_id": "12ab", "branch_id": str(shine.branch_id)}, ["body", "phone_number_id"]),
                       ({"phone_number_id": "777", "branch_id": "not-a-uuid"}, ["body", "branch_id"]),
                       ({"branch_id": str(shine.branch_id)}, ["body", "phone_number_id"])):
        response = await client.post(f"{BASE}/numbers", headers=staff(shine, "owner"), json=bad)
        assert is_problem(response, 422) and response.json()["errors"][0]["loc"] == where
    phone = await client.post(f"{BASE}/numbers", headers=staff(shine, "owner"),
                              json={"phone_number_id": "777", "branch_id": str(shine.branch_id),
                                    "display_phone": "12"})
    assert is_problem(phone, 422) and "not a" in phone.json()["detail"]
    assert (await client.get(f"{BASE}/numbers", headers=staff(shine, "owner"))).json() == {"numbers": []}
