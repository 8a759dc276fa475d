"""The staff side of conversations under /api/v1 (handoffs and the knowledge base), through the real ASGI app
against the run's PostgreSQL: a conversation is driven with the real graph and understanding, handed over, and
handed back through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from agents.faq import FaqSearch
from agents.guards import InputGuard
from agents.understand import Understander
from api.app import create_app
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import Customer, Handoff
from domain.seeding import seed_demo_salon
from domain.seeding.demo_data import BRANCHES
from domain.seeding.faq import seed_faq
from domain.services.customers import register_customer
from domain.services.snapshot import tenant_id_for_slug
from domain.services.tenancy import CreateTenant, create_tenant
from domain.uow import Actor, UnitOfWork
from graphs.checkpoint import prepare_checkpoint_tables, thread_id
from graphs.turn import customer_deps, handle_message, load_salon
from tests.conftest import APP_ROLE
from tests.e2e.test_api import client_for, settings_for

PROBLEM = "application/problem+json"
PHONE = "+919820012345"
UowFor = Callable[..., UnitOfWork]


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient


@pytest.fixture(scope="module")
async def checkpoint_tables(database_url: str) -> str:
    await prepare_checkpoint_tables(database_url, APP_ROLE)
    return database_url


@pytest.fixture
async def api(checkpoint_tables: str, clock: FixedClock, uow_for: UowFor) -> AsyncIterator[Api]:
    del uow_for  # the tables are emptied after the test
    app = create_app(lambda: open_runtime(settings_for(checkpoint_tables), clock=clock))
    async for client in client_for(app):
        yield Api(app, client)


def staff(tenant_id: uuid.UUID, role: str = "front_desk", who: str = "desk-1") -> dict[str, str]:
    return {"X-Tenant-ID": str(tenant_id), "X-Actor-Role": role, "X-Actor-ID": who}


async def a_salon_with_a_customer(uow_for: UowFor, slug: str, phone: str = PHONE) -> tuple[uuid.UUID, Customer]:
    tenant_id = uuid.uuid4()
    async with uow_for(tenant_id) as uow:
        await create_tenant(CreateTenant(slug=slug, name=slug.title()), uow)
        customer = await register_customer(phone, uow, name="Riya")
        await uow.commit()
    return tenant_id, customer


async def hand_over(uow_for: UowFor, tenant_id: uuid.UUID, customer: Customer, clock: FixedClock, *,
                    hours_ago: int, closed: bool = False, reason: str = "asked for a person") -> uuid.UUID:
    """A handoff row as ``graphs.turn`` writes it (each on its own thread, so several can be open)."""
    opened = clock.now() - timedelta(hours=hours_ago)
    async with uow_for(tenant_id) as uow:
        handoff = Handoff(tenant_id=tenant_id, customer_id=customer.id,
                          thread_id=thread_id(tenant_id, customer.id) + f":{hours_ago}", reason=reason,
                          transcript=[{"from": "customer", "text": f"call me {hours_ago}"},
                                      {"from": "bot", "text": "A person will reply."}],
                          status="closed" if closed else "open", opened_at=opened,
                          closed_at=opened + timedelta(minutes=5) if closed else None,
                          closed_by="Sneha" if closed else None)
        uow.session.add(handoff)
        await uow.commit()
    return handoff.id


# ---- handoffs ---------------------------------------------------------------------------------------------------


async def test_staff_see_open_handoffs_newest_first_with_the_transcript_and_a_masked_phone(
        api: Api, uow_for: UowFor, clock: FixedClock) -> None:
    tenant_id, riya = await a_salon_with_a_customer(uow_for, "glow")
    older = await hand_over(uow_for, tenant_id, riya, clock, hours_ago=3)
    newer = await hand_over(uow_for, tenant_id, riya, clock, hours_ago=1, reason="abusive message")
    done = await hand_over(uow_for, tenant_id, riya, clock, hours_ago=5, closed=True)
    listed = await api.client.get("/api/v1/handoffs", headers=staff(tenant_id, "stylist"))
    assert listed.status_code == 200, listed.text
    handoffs = listed.json()["handoffs"]
    assert [h["id"] for h in handoffs] == [str(newer), str(older)]
    first = handoffs[0]
    assert first["status"] == "open" and first["reason"] == "abusive message" and first["closed_at"] is None
    assert first["customer"] == {"id": str(riya.id), "name": "Riya", "phone": "+91******2345"}
    assert first["transcript"] == [{"from": "customer", "text": "call me 1"},
                                   {"from": "bot", "text": "A person will reply."}]
    assert first["opened_at"] == (clock.now() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert "9820012345" not in listed.text
    closed = (await api.client.get("/api/v1/handoffs", headers=staff(tenant_id),
                                   params={"status": "closed"})).json()["handoffs"]
    assert [(h["id"], h["closed_by"]) for h in closed] == [(str(done), "Sneha")]
    every = await api.client.get("/api/v1/handoffs", headers=staff(tenant_id), params={"status": "all", "limit": 2})
    assert [h["id"] for h in every.json()["handoffs"]] == [str(newer), str(older)]
    one = await api.client.get(f"/api/v1/handoffs/{done}", headers=staff(tenant_id))
    assert one.status_code == 200 and one.json()["status"] == "closed"


async def test_one_salon_cannot_see_or_release_another_salons_handoffs(api: Api, uow_for: UowFor,
                                                                       clock: FixedClock) -> None:
    glow, riya = await a_salon_with_a_customer(uow_for, "glow")
    other, _ = await a_salon_with_a_customer(uow_for, "shine", phone="+919820099999")
    theirs = await hand_over(uow_for, glow, riya, clock, hours_ago=1)
    listed = await api.client.get("/api/v1/handoffs", headers=staff(other, "owner"), params={"status": "all"})
    assert listed.status_code == 200 and listed.json() == {"handoffs": []}
    one = await api.client.get(f"/api/v1/handoffs/{theirs}", headers=staff(other, "owner"))
    assert one.status_code == 404 and one.headers["content-type"] == PROBLEM
    released = await api.client.post(f"/api/v1/handoffs/{theirs}/release", headers=staff(other, "owner"))
    assert released.status_code == 404 and released.headers["content-type"] == PROBLEM
    still = await api.client.get(f"/api/v1/handoffs/{theirs}", headers=staff(glow))
    assert still.json()["status"] == "open"


async def test_customers_cannot_read_handoffs_and_bad_queries_are_problems(api: Api, uow_for: UowFor,
                                                                           clock: FixedClock) -> None:
    tenant_id, riya = await a_salon_with_a_customer(uow_for, "glow")
    handoff = await hand_over(uow_for, tenant_id, riya, clock, hours_ago=1)
    customer = {"X-Tenant-ID": str(tenant_id), "X-Actor-Role": "customer", "X-Customer-ID": str(riya.id)}
    for response in (await api.client.get("/api/v1/handoffs", headers=customer),
                     await api.client.get(f"/api/v1/handoffs/{handoff}", headers=customer),
                     await api.client.post(f"/api/v1/handoffs/{handoff}/release", headers=customer)):
        assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    wrong = await api.client.get("/api/v1/handoffs", headers=staff(tenant_id), params={"status": "pending"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["query", "status"]
    missing = await api.client.get(f"/api/v1/handoffs/{uuid.uuid4()}", headers=staff(tenant_id))
    assert missing.status_code == 404 and missing.json()["detail"] == "No such handoff."
    unknown = await api.client.post(f"/api/v1/handoffs/{uuid.uuid4()}/release", headers=staff(tenant_id))
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert (await api.client.get(f"/api/v1/handoffs/{handoff}", headers=staff(tenant_id))).json()["status"] == "open"


async def test_a_conversation_handed_to_a_person_is_handed_back_over_rest_and_the_bot_answers_again(
        api: Api, uow_for: UowFor, clock: FixedClock, trained_router: Any) -> None:
    sessions = api.app.state.runtime.sessions
    await seed_demo_salon(sessions, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    salon = await load_salon(sessions, clock, tenant_id, "bandra")
    deps = await customer_deps(sessions, clock, salon, Understander(router=trained_router, guard=InputGuard()),
                               "+919812345678")
    runtime = api.app.state.runtime

    async def say(text: str) -> Any:
        return await handle_message(runtime.customer_graph, runtime.checkpoint_pool, deps, text)

    handed = await say("mujhe kisi insaan se baat karni hai")
    assert handed.flow == "handover" and handed.replies, handed.understanding
    silent = await say("hello??")
    assert silent.flow == "silent" and silent.replies == []
    [waiting] = (await api.client.get("/api/v1/handoffs", headers=staff(tenant_id))).json()["handoffs"]
    assert waiting["reason"] == "asked for a person" and waiting["customer"]["phone"] == "+91******5678"
    assert waiting["transcript"][0] == {"from": "customer", "text": "mujhe kisi insaan se baat karni hai"}

    released = await api.client.post(f"/api/v1/handoffs/{waiting['id']}/release", headers=staff(tenant_id))
    assert released.status_code == 200, released.text
    body = released.json()
    assert body["released"] is True and body["status"] == "closed" and body["closed_by"] == "desk-1"
    assert body["closed_at"] == clock.now().isoformat().replace("+00:00", "Z")
    again = await api.client.post(f"/api/v1/handoffs/{waiting['id']}/release", headers=staff(tenant_id, who="x"))
    assert again.status_code == 200
    assert again.json()["released"] is False and again.json()["closed_by"] == "desk-1"  # the repeat changed nothing
    assert (await api.client.get("/api/v1/handoffs", headers=staff(tenant_id))).json() == {"handoffs": []}

    back = await say("namaste")
    assert back.flow == "greet" and back.replies


# ---- the knowledge base -----------------------------------------------------------------------------------------


WHEELCHAIR = {"topic": "wheelchair_access", "phrasings": ["Do you have wheelchair access?", "ramp hai kya"],
              "answers": {"en": "Yes: there is a ramp at the entrance and the ground floor is step-free.",
                          "hinglish": "Haan, entrance pe ramp hai."}}


@pytest.fixture
async def faq_salon(uow_for: UowFor) -> uuid.UUID:
    """A salon with the demo's starting knowledge base."""
    tenant_id = uuid.uuid4()
    async with uow_for(tenant_id) as uow:
        await create_tenant(CreateTenant(slug="glow", name="Glow"), uow)
        await seed_faq(uow, BRANCHES[0])
        await uow.commit()
    return tenant_id


async def search(api: Api, tenant_id: uuid.UUID, embedder: Any, question: str) -> Any:
    runtime = api.app.state.runtime
    async with UnitOfWork(runtime.sessions, tenant_id=tenant_id, actor=Actor.system("test"),
                          clock=runtime.clock) as uow:
        found = await FaqSearch(embedder).answer(uow, question, "en")
        await uow.commit()
    return found


async def test_a_manager_adds_an_entry_and_the_bot_then_finds_it_by_meaning(api: Api, faq_salon: uuid.UUID,
                                                                             embedder: Any) -> None:
    manager = staff(faq_salon, "manager", "meera")
    assert await search(api, faq_salon, embedder, "wheelchair accessible?") is None
    added = await api.client.post("/api/v1/faq", headers=manager, json=WHEELCHAIR)
    assert added.status_code == 201, added.text
    entry = added.json()
    assert entry["topic"] == "wheelchair_access" and entry["active"] is True
    assert entry["answers"] == WHEELCHAIR["answers"]
    found = await search(api, faq_salon, embedder, "wheelchair accessible?")
    assert found is not None and found.topic == "wheelchair_access" and "ramp" in found.answer

    listed = (await api.client.get("/api/v1/faq", headers=staff(faq_salon, "stylist"))).json()["entries"]
    assert "wheelchair_access" in {e["topic"] for e in listed} and "hours" in {e["topic"] for e in listed}
    changed = await api.client.patch(f"/api/v1/faq/{entry['id']}", headers=manager, json={
        "answers": {"en": "Yes, fully step-free."}})
    assert changed.status_code == 200 and changed.json()["answers"] == {"en": "Yes, fully step-free."}
    assert changed.json()["phrasings"] == WHEELCHAIR["phrasings"]
    found = await search(api, faq_salon, embedder, "wheelchair accessible?")
    assert found is not None and found.answer == "Yes, fully step-free."

    switched_off = await api.client.delete(f"/api/v1/faq/{entry['id']}", headers=staff(faq_salon, "owner"))
    assert switched_off.status_code == 200 and switched_off.json()["active"] is False
    assert await search(api, faq_salon, embedder, "wheelchair accessible?") is None
    active = (await api.client.get("/api/v1/faq", headers=manager)).json()["entries"]
    every = (await api.client.get("/api/v1/faq", headers=manager, params={"include_inactive": "true"})).json()
    assert "wheelchair_access" not in {e["topic"] for e in active}
    assert "wheelchair_access" in {e["topic"] for e in every["entries"]}
    back = await api.client.patch(f"/api/v1/faq/{entry['id']}", headers=manager, json={"active": True})
    assert back.status_code == 200 and back.json()["active"] is True


@pytest.mark.parametrize(("role", "body", "status", "mentions"), [
    ("front_desk", WHEELCHAIR, 403, "front desk cannot"),
    ("manager", {**WHEELCHAIR, "topic": "Wheelchair Access"}, 422, "topic"),
    ("manager", {**WHEELCHAIR, "answers": {"hinglish": "Haan"}}, 422, "en"),
    ("manager", {**WHEELCHAIR, "answers": {"en": "Yes", "fr": "Oui"}}, 422, "fr"),
    ("manager", {**WHEELCHAIR, "phrasings": []}, 422, "phrasings"),
    ("manager", {**WHEELCHAIR, "phrasings": ["   "]}, 422, "phrasings"),
    ("manager", {**WHEELCHAIR, "topic": "parking"}, 409, "already an entry for parking"),
    ("manager", {**WHEELCHAIR, "phrasings": ["Is there parking"]}, 409, "phrasing of the parking entry"),
])
async def test_a_bad_or_unallowed_entry_is_a_problem_and_changes_nothing(
        api: Api, faq_salon: uuid.UUID, role: str, body: dict[str, Any], status: int, mentions: str) -> None:
    before = (await api.client.get("/api/v1/faq", headers=staff(faq_salon))).json()
    refused = await api.client.post("/api/v1/faq", headers=staff(faq_salon, role), json=body)
    assert refused.status_code == status and refused.headers["content-type"] == PROBLEM
    assert mentions in refused.text
    assert (await api.client.get("/api/v1/faq", headers=staff(faq_salon))).json() == before


async def test_bad_changes_to_an_entry_are_problems_and_change_nothing(api: Api, faq_salon: uuid.UUID) -> None:
    manager = staff(faq_salon, "manager")
    [hours] = [e for e in (await api.client.get("/api/v1/faq", headers=manager)).json()["entries"]
               if e["topic"] == "hours"]
    for body, status in (({}, 422), ({"answers": {"hi": "नमस्ते"}}, 422), ({"phrasings": []}, 422),
                         ({"phrasings": ["can i pay by upi"]}, 409)):
        response = await api.client.patch(f"/api/v1/faq/{hours['id']}", headers=manager, json=body)
        assert response.status_code == status and response.headers["content-type"] == PROBLEM, response.text
    after = [e for e in (await api.client.get("/api/v1/faq", headers=manager)).json()["entries"]
             if e["topic"] == "hours"]
    assert after == [hours]
    assert (await api.client.patch(f"/api/v1/faq/{uuid.uuid4()}", headers=manager,
                                   json={"active": False})).status_code == 404
    assert (await api.client.delete(f"/api/v1/faq/{uuid.uuid4()}", headers=manager)).status_code == 404
    assert (await api.client.delete(f"/api/v1/faq/{hours['id']}", headers=staff(faq_salon, "stylist"))).status_code \
        == 403
    customer = {"X-Tenant-ID": str(faq_salon), "X-Actor-Role": "customer", "X-Customer-ID": str(uuid.uuid4())}
    assert (await api.client.get("/api/v1/faq", headers=customer)).status_code == 403
