"""The local WhatsApp simulator through the real ASGI app against the run's PostgreSQL: the page and the fake Graph
API exist in development only, a simulated customer's message goes through the real signed webhook, the bot's
messages reach the page's feed and their receipts the database, and `cazo whatsapp send` does the same from a
terminal, against the app in process and against a real server on a loopback port."""

from __future__ import annotations

import asyncio
import io
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from api.routes.dev_whatsapp import use_loopback
from cazo.cli import app as cazo_app
from cazo.settings import DEV_GRAPH_PATH, DEV_WHATSAPP_APP_SECRET, DEV_WHATSAPP_TOKEN, Settings
from cazo.whatsapp_cli import CustomerSend, send_as_customer
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import DeliveryReceipt, InboundMessage
from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID
from domain.uow import UnitOfWork
from integrations.meta.client import WhatsAppClient
from integrations.meta.fake_graph import DEV_GRAPH_PREFIX, FakeGraph, dev_graph_url
from tests.e2e.test_api import client_for
from tests.factories import Salon
from tools.replies import Button, ButtonsReply, ListReply, Row, Section, TextReply, to_whatsapp

NUMBER_ID = WHATSAPP_PHONE_NUMBER_ID  # the demo salon's number; here registered for a test salon
ASHA = "+919800000001"
STRONG_KEY = "k3H9vQ2xR7mW4pL8sT1nB6cY5dF0gJ2a"
APP_SECRET = "6f1d1c0e9a8b7c6d5e4f3a2b1c0d9e8f"
BASE = "http://cazo.test"
PROBLEM = "application/problem+json"
UowFor = Callable[..., UnitOfWork]
Served = tuple[FastAPI, httpx.AsyncClient]
CONFIRM = ButtonsReply("Book Haircut, Fri 5:00 pm with Asha?", (Button("confirm:1", "Confirm"),
                                                                 Button("change:1", "Change time")))
TIMES = ListReply("Pick a time", "Times", (Section((Row("t:17", "5:00 pm", "with Asha"), Row("t:18", "6:00 pm")),
                                                   "Friday"),))


def settings(database_url: str, **values: Any) -> Settings:
    return Settings(_env_file=None, **{"environment": "test", "database_url": database_url, **values})


async def serve(database_url: str, clock: FixedClock, **values: Any) -> AsyncIterator[Served]:
    """The app in process; its own requests to itself (the simulator's webhook, the fake's receipts) loop back."""
    app = create_app(lambda: open_runtime(settings(database_url, **values), clock=clock, conversations=False))
    use_loopback(app, httpx.ASGITransport(app=app, raise_app_exceptions=False))
    async for client in client_for(app):
        graph = getattr(app.state, "fake_graph", None)
        if graph is not None:
            graph.receipt_delay = 0
        yield app, client


@pytest.fixture
async def dev(database_url: str, clock: FixedClock, uow_for: UowFor) -> AsyncIterator[Served]:
    del uow_for  # the tables are emptied after the test
    async for served in serve(database_url, clock):
        yield served



def bot(app: FastAPI) -> WhatsAppClient:
    """The outbound client as development wires it: the dev token, the app's own /dev/graph."""
    return WhatsAppClient(DEV_WHATSAPP_TOKEN, graph_url=dev_graph_url(BASE),
                          transport=httpx.ASGITransport(app=app, raise_app_exceptions=False))


async def inbound(uow_for: UowFor, tenant_id: uuid.UUID) -> list[InboundMessage]:
    async with uow_for(tenant_id) as uow:
        return list(await uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


# ---- development only ---------------------------------------------------------------------------------------------


async def test_the_page_is_a_self_contained_chat_served_in_development(dev: Served) -> None:
    _, client = dev
    page = await client.get("/dev/whatsapp")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'<script nonce="{nonce.group(1)}">' in page.text
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert not re.search(r"\b(src|href)\s*=|@import|url\(|https?://", page.text)  # nothing is fetched from elsewhere
    assert "innerHTML" not in page.text  # server data is set as text, never parsed as markup
    assert "/api/send" in page.text and "/api/messages" in page.text
    spec = (await client.get("/openapi.json")).json()
    assert not [path for path in spec["paths"] if path.startswith("/dev")]


async def test_outside_development_the_simulator_and_the_fake_graph_are_not_there(
        database_url: str, clock: FixedClock) -> None:
    async for app, client in serve(database_url, clock, environment="production", secret_key=STRONG_KEY,
                                   whatsapp_app_secret=APP_SECRET):
        answers = [await client.get("/dev/whatsapp"), await client.get("/dev/whatsapp/api/numbers"),
                   await client.get("/dev/whatsapp/api/messages", params={"phone": ASHA}),
                   await client.post("/dev/whatsapp/api/send", json={"phone": ASHA, "text": "hi"}),
                   await client.post(f"{DEV_GRAPH_PREFIX}/v21.0/{NUMBER_ID}/messages", json={},
                                     headers={"Authorization": "Bearer x"})]
        assert [answer.status_code for answer in answers] == [404] * 5
        assert all(answer.headers["content-type"] == PROBLEM for answer in answers)
        assert not hasattr(app.state, "fake_graph")


async def test_the_page_lists_the_registered_business_numbers(dev: Served,
                                                             glow: Salon) -> None:
    _, client = dev
    assert (await client.get("/dev/whatsapp/api/numbers")).json() == {
        "numbers": [{"phone_number_id": NUMBER_ID, "display_phone": "+912226401188", "salon": "Glow",
                     "branch": "Main"}],
        "default": NUMBER_ID}


# ---- the customer's side ------------------------------------------------------------------------------------------


async def test_a_simulated_message_is_stored_through_the_real_signed_webhook(
        dev: Served, glow: Salon, uow_for: UowFor) -> None:
    _, client = dev
    answer = await client.post("/dev/whatsapp/api/send", json={"phone": "+91 98000 00001", "name": "Asha",
                                                               "text": "Haircut kal 5 baje?"})
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    assert sent["receipt"] == {"stored": 1, "duplicates": 0, "skipped": 0, "ignored": 0}
    [row] = await inbound(uow_for, glow.tenant_id)
    assert (row.wamid, row.branch_id, row.customer_phone, row.contact_name, row.kind, row.text, row.status) == (
        sent["wamid"], glow.branch_id, ASHA, "Asha", "text", "Haircut kal 5 baje?", "queued")
    feed = (await client.get("/dev/whatsapp/api/messages", params={"phone": ASHA})).json()
    [entry] = feed["messages"]
    assert (entry["direction"], entry["wamid"], entry["seq"], feed["last"]) == ("in", sent["wamid"], sent["seq"],
                                                                               sent["seq"])
    assert entry["message"]["text"] == {"body": "Haircut kal 5 baje?"}
    later = (await client.get("/dev/whatsapp/api/messages", params={"phone": ASHA, "after": feed["last"]})).json()
    assert later["messages"] == []


async def test_the_bots_messages_reach_the_feed_and_their_signed_receipts_the_database(
        dev: Served, glow: Salon, uow_for: UowFor) -> None:
    app, client = dev
    async with bot(app) as whatsapp:
        greeting = await whatsapp.send(NUMBER_ID, ASHA, to_whatsapp(TextReply("Namaste Asha!")))
        question = await whatsapp.send(NUMBER_ID, ASHA, to_whatsapp(CONFIRM))
    graph: FakeGraph = app.state.fake_graph
    await graph.drain()
    feed = (await client.get("/dev/whatsapp/api/messages", params={"phone": "9800000001"})).json()
    assert [(e["direction"], e["wamid"], e["message"]["type"]) for e in feed["messages"]] == [
        ("out", greeting, "text"), ("out", question, "interactive")]
    assert feed["messages"][1]["message"] == to_whatsapp(CONFIRM)
    assert feed["statuses"] == {greeting: "read", question: "read"}
    async with uow_for(glow.tenant_id) as uow:
        receipts = (await uow.session.execute(select(DeliveryReceipt.wamid, DeliveryReceipt.status)
                                              .order_by(DeliveryReceipt.id))).all()
    assert [state for wamid, state in receipts if wamid == greeting] == ["sent", "delivered", "read"]
    assert [state for wamid, state in receipts if wamid == question] == ["sent", "delivered", "read"]


@pytest.mark.parametrize(("reply", "message"), [
    ({"type": "button_reply", "id": "confirm:1", "title": "Confirm"}, CONFIRM),
    ({"type": "list_reply", "id": "t:18", "title": "6:00 pm"}, TIMES)])
async def test_a_tap_is_stored_with_the_reply_id_and_the_message_it_answers(
        dev: Served, glow: Salon, uow_for: UowFor, reply: dict[str, str],
        message: ButtonsReply | ListReply) -> None:
    app, client = dev
    async with bot(app) as whatsapp:
        ours = await whatsapp.send(NUMBER_ID, ASHA, to_whatsapp(message))
    answer = await client.post("/dev/whatsapp/api/send", json={"phone": ASHA, "reply": reply, "context_wamid": ours})
    assert answer.status_code == 200, answer.text
    [row] = await inbound(uow_for, glow.tenant_id)
    assert (row.kind, row.reply_id, row.reply_title, row.context_wamid) == ("interactive", reply["id"],
                                                                           reply["title"], ours)
    assert row.payload["interactive"]["type"] == reply["type"]


@pytest.mark.parametrize("body", [{"phone": "hello", "text": "hi"}, {"phone": ASHA},
                                  {"phone": ASHA, "text": "hi", "reply": {"type": "button_reply", "id": "a",
                                                                         "title": "A"}},
                                  {"phone": ASHA, "text": "hi", "phone_number_id": "12ab"}])
async def test_a_send_that_is_not_one_message_from_a_phone_is_refused(dev: Served,
                                                                     body: dict[str, Any]) -> None:
    _, client = dev
    answer = await client.post("/dev/whatsapp/api/send", json=body)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM


async def test_a_number_no_salon_registered_is_delivered_and_stored_nowhere(
        dev: Served) -> None:
    _, client = dev
    answer = await client.post("/dev/whatsapp/api/send", json={"phone": ASHA, "text": "hi",
                                                               "phone_number_id": "199999999999999"})
    assert answer.json()["receipt"] == {"stored": 0, "duplicates": 0, "skipped": 1, "ignored": 0}


def test_the_settings_send_to_the_path_the_fake_graph_is_served_at() -> None:
    endpoint = Settings(_env_file=None, port=8123).whatsapp_graph()  # type: ignore[call-arg]
    assert endpoint is not None and endpoint.fake
    assert endpoint.url == dev_graph_url("http://127.0.0.1:8123") and DEV_GRAPH_PATH == DEV_GRAPH_PREFIX


# ---- cazo whatsapp send -------------------------------------------------------------------------------------------


async def reply_once_stored(app: FastAPI, uow_for: UowFor, tenant_id: uuid.UUID, count: int,
                            message: dict[str, Any]) -> str:
    """A stand-in for the worker: once ``count`` customer messages are stored, the bot sends ``message``."""
    for _ in range(200):
        if len(await inbound(uow_for, tenant_id)) >= count:
            async with bot(app) as whatsapp:
                return await whatsapp.send(NUMBER_ID, ASHA, message)
        await asyncio.sleep(0.05)
    raise AssertionError("the customer's message was never stored")


async def test_the_command_delivers_prints_the_reply_and_taps_an_option_by_its_number(
        dev: Served, glow: Salon, uow_for: UowFor) -> None:
    app, _ = dev
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    out = io.StringIO()
    send = CustomerSend(server=BASE, customer=ASHA, phone_number_id=NUMBER_ID, name="Asha", text="haircut friday")
    outcome, ours = await asyncio.gather(
        send_as_customer(send, app_secret=DEV_WHATSAPP_APP_SECRET, out=out,
                         transport=transport),
        reply_once_stored(app, uow_for, glow.tenant_id, 1, to_whatsapp(CONFIRM)))
    assert (outcome.receipt["stored"], outcome.replies, outcome.feed) == (1, 1, True)
    printed = out.getvalue()
    assert "you   > haircut friday" in printed and f"({outcome.wamid})" in printed
    assert "salon > Book Haircut, Fri 5:00 pm with Asha?" in printed
    assert "        1. Confirm  (--tap confirm:1)\n        2. Change time  (--tap change:1)" in printed

    tapped = CustomerSend(server=BASE, customer=ASHA, phone_number_id=NUMBER_ID, name="Asha", tap="2", wait=0)
    await send_as_customer(tapped, app_secret=DEV_WHATSAPP_APP_SECRET, out=io.StringIO(),
                           transport=transport)
    rows = await inbound(uow_for, glow.tenant_id)
    assert [(r.kind, r.text, r.reply_id, r.reply_title, r.context_wamid) for r in rows] == [
        ("text", "haircut friday", None, None, None), ("interactive", None, "change:1", "Change time", ours)]


async def test_against_a_server_outside_development_the_command_says_replies_are_not_shown(
        database_url: str, clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    async for app, _ in serve(database_url, clock, environment="staging", secret_key=STRONG_KEY,
                              whatsapp_app_secret=APP_SECRET):
        out = io.StringIO()
        send = CustomerSend(server=BASE, customer=ASHA, phone_number_id=NUMBER_ID, name="Asha", text="hi")
        outcome = await send_as_customer(send, app_secret=APP_SECRET, out=out,
                                         transport=httpx.ASGITransport(app=app, raise_app_exceptions=False))
    assert (outcome.receipt["stored"], outcome.feed) == (1, False)
    assert "Replies are only visible in development" in out.getvalue()
    assert [row.text for row in await inbound(uow_for, glow.tenant_id)] == ["hi"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "WHATSAPP_APP_SECRET", "WHATSAPP_TOKEN", "HOST", "PORT", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOG_FORMAT", "json")


def test_the_command_without_a_server_is_a_one_line_error(environment: None) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cazo_app, ["whatsapp", "send", "--url", url, "hi"])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())  # one message, wrapped to the terminal's width
    assert message == f"No Cazo server answers at {url} (ConnectError): start one with `cazo run`, or pass --url."


def test_the_command_needs_a_text_or_a_tap_but_not_both(environment: None) -> None:
    assert CliRunner().invoke(cazo_app, ["whatsapp", "send"]).exit_code == 2
    assert CliRunner().invoke(cazo_app, ["whatsapp", "send", "hi", "--tap", "1"]).exit_code == 2


def test_the_command_talks_to_a_real_server_whose_receipts_come_back_over_http(
        environment: None, database_url: str, glow: Salon) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(lambda: open_runtime(settings(database_url), conversations=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    owner = database_url.replace("postgresql+asyncpg://", "postgresql://")
    replied: list[str] = []

    async def worker() -> None:  # the worker's part: answer once the customer's message is stored
        connection = await asyncpg.connect(owner)
        try:
            for _ in range(300):
                if await connection.fetchval("SELECT count(*) FROM inbound_messages"):
                    async with WhatsAppClient(DEV_WHATSAPP_TOKEN, graph_url=dev_graph_url(base)) as whatsapp:
                        replied.append(await whatsapp.send(NUMBER_ID, ASHA, to_whatsapp(TIMES)))
                    return
                await asyncio.sleep(0.05)
        finally:
            await connection.close()

    async def receipts() -> list[str]:
        connection = await asyncpg.connect(owner)
        try:
            for _ in range(100):
                states = [row["status"] for row in await connection.fetch(
                    "SELECT status FROM message_statuses WHERE wamid = $1 ORDER BY id", replied[0])]
                if len(states) == 3:
                    return states
                await asyncio.sleep(0.1)
            return states
        finally:
            await connection.close()

    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        answering = threading.Thread(target=lambda: asyncio.run(worker()), daemon=True)
        answering.start()
        result = CliRunner().invoke(cazo_app, ["whatsapp", "send", "--url", base, "--wait", "10", "Kal slot hai?"])
        answering.join(timeout=10)
        assert result.exit_code == 0, result.output
        assert "stored 1, duplicates 0, skipped 0" in result.stdout
        assert "salon > Pick a time\n        [Times]\n        1. 5:00 pm - with Asha  (--tap t:17)" in result.stdout
        assert asyncio.run(receipts()) == ["sent", "delivered", "read"]
        assert (httpx.get(f"{base}/dev/whatsapp").status_code, httpx.get(f"{base}/healthz").status_code) == (200, 200)
    finally:
        server.should_exit = True
        serving.join(timeout=15)
