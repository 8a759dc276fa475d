"""The whole WhatsApp channel in one process, every hop in Meta's wire format: a customer on the simulator books a
beard trim. Their messages go through the real signed webhook into the queue; the worker runs the conversation
graph on the demo salon and sends the replies through the Cloud API client to the fake Graph API, whose signed
receipts come back through the webhook and move each sent message to ``read``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from agents.guards import InputGuard
from agents.understand import Understander
from api.app import create_app
from api.routes.dev_whatsapp import use_loopback
from cazo.settings import DEV_WHATSAPP_TOKEN, Settings
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import Booking, ConversationTurn, Customer, InboundMessage, OutboundMessage
from domain.seeding import seed_demo_salon
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import UnitOfWork
from graphs.checkpoint import prepare_checkpoint_tables
from graphs.whatsapp import WhatsAppWorker, WorkerConfig
from integrations.meta.client import WhatsAppClient
from integrations.meta.fake_graph import FakeGraph, dev_graph_url
from integrations.meta.sender import CloudApiSender
from tests.e2e.test_api import client_for

UowFor = Callable[..., UnitOfWork]
ASHA = "+919800000077"
BASE = "http://cazo.test"


@pytest.fixture(scope="module")
async def checkpoints(database_url: str) -> str:
    await prepare_checkpoint_tables(database_url, "cazo_app")
    return database_url


@pytest.fixture
async def channel(checkpoints: str, clock: FixedClock, uow_for: UowFor, trained_router: Any) \
        -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, WhatsAppWorker]]:
    settings = Settings(_env_file=None, environment="test", database_url=checkpoints)  # type: ignore[call-arg]
    app = create_app(lambda: open_runtime(settings, clock=clock))
    use_loopback(app, httpx.ASGITransport(app=app, raise_app_exceptions=False))
    async for client in client_for(app):
        runtime = app.state.runtime
        await seed_demo_salon(runtime.sessions, clock)
        app.state.fake_graph.receipt_delay = 0
        whatsapp = WhatsAppClient(DEV_WHATSAPP_TOKEN, graph_url=dev_graph_url(BASE),
                                  transport=httpx.ASGITransport(app=app, raise_app_exceptions=False))
        worker = WhatsAppWorker(sessions=runtime.sessions, clock=clock, graph=runtime.customer_graph,
                                pool=runtime.checkpoint_pool,
                                understander=Understander(router=trained_router, guard=InputGuard()),
                                sender=CloudApiSender(whatsapp), media=whatsapp,
                                config=WorkerConfig(burst=0, burst_cap=0))
        try:
            yield app, client, worker
        finally:
            await whatsapp.aclose()


async def say(client: httpx.AsyncClient, **message: Any) -> str:
    answer = await client.post("/dev/whatsapp/api/send", json={"phone": ASHA, "name": "Asha", **message})
    assert answer.status_code == 200, answer.text
    assert answer.json()["receipt"]["stored"] == 1
    return str(answer.json()["wamid"])


def last_offer(feed: list[dict[str, Any]]) -> dict[str, Any]:
    """The first button or row of the bot's latest interactive message, as the page would send its tap."""
    message = [e["message"] for e in feed if e["direction"] == "out" and e["message"]["type"] == "interactive"][-1]
    action = message["interactive"]["action"]
    if "buttons" in action:
        reply = action["buttons"][0]["reply"]
        return {"type": "button_reply", "id": reply["id"], "title": reply["title"]}
    row = action["sections"][0]["rows"][0]
    return {"type": "list_reply", "id": row["id"], "title": row["title"]}


async def test_a_customer_books_on_the_simulator_and_every_message_is_answered_once_and_read(
        channel: tuple[FastAPI, httpx.AsyncClient, WhatsAppWorker], uow_for: UowFor) -> None:
    app, client, worker = channel
    graph: FakeGraph = app.state.fake_graph
    sent = [await say(client, text="kal shaam 6 baje beard trim karwana hai")]
    for _ in range(4):
        await worker.run_once()
        await graph.drain()
        feed = (await client.get("/dev/whatsapp/api/messages", params={"phone": ASHA})).json()["messages"]
        latest = [e["message"] for e in feed if e["direction"] == "out"][-1]
        body = latest.get("text", {}).get("body") or latest["interactive"]["body"]["text"]
        if body.startswith("Ho gaya!"):
            break
        sent.append(await say(client, reply=last_offer(feed)))
    assert body.startswith("Ho gaya! Beard trim")

    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    async with uow_for(tenant_id) as uow:
        booked = (await uow.session.scalars(select(Booking.status).join(Customer, Customer.id == Booking.customer_id)
                                            .where(Customer.phone_e164 == ASHA))).all()
        inbound = (await uow.session.execute(select(InboundMessage.wamid, InboundMessage.status,
                                                    InboundMessage.handled_as).order_by(InboundMessage.id))).all()
        turns = await uow.session.scalar(select(func.count()).select_from(ConversationTurn))
        outbound = (await uow.session.execute(select(OutboundMessage.wamid, OutboundMessage.status)
                                              .order_by(OutboundMessage.id))).all()
    assert booked == ["confirmed"]
    assert [(wamid, state, handled) for wamid, state, handled in inbound] == [(w, "done", w) for w in sent]
    assert turns == len(sent)
    out = [e for e in feed if e["direction"] == "out"]
    assert [wamid for wamid, _ in outbound] == [e["wamid"] for e in out]  # each reply reached "Meta" once
    assert {state for _, state in outbound} == {"read"}  # moved there by the fake's signed receipts
    await worker.run_once()
    assert len(graph.sent()) == len(out)  # nothing is sent twice


async def test_a_redelivered_webhook_is_stored_once_and_answered_once(
        channel: tuple[FastAPI, httpx.AsyncClient, WhatsAppWorker]) -> None:
    from integrations.meta.payloads import customer_message

    app, client, worker = channel
    runtime = app.state.runtime
    webhook = customer_message(app_secret=runtime.whatsapp_app_secret, phone_number_id="100000000000001",
                               customer_phone=ASHA, text="namaste", wamid=f"wamid.{uuid.uuid4().hex}")
    first = await client.post("/webhooks/whatsapp", content=webhook.body, headers=webhook.headers)
    await worker.run_once()
    again = await client.post("/webhooks/whatsapp", content=webhook.body, headers=webhook.headers)
    await worker.run_once()
    assert (first.json()["stored"], again.json()["duplicates"]) == (1, 1)
    graph: FakeGraph = app.state.fake_graph
    await graph.drain()
    assert len(graph.sent()) == worker.stats.sent > 0 and worker.stats.turns == 1
