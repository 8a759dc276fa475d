"""The fake Graph API speaks Meta's wire format: what it accepts and refuses, the failures it can be told to
answer, media, and the signed delivery receipts it posts back; and the simulated customer webhooks read as Meta's.
In process, over httpx.ASGITransport and MockTransport; no network."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain.models.whatsapp import DeliveryState, InboundKind
from integrations.meta.client import RetryPolicy, WhatsAppClient, template_message
from integrations.meta.errors import WhatsAppAuthError, WhatsAppError, WhatsAppThrottled, WhatsAppWindowClosed
from integrations.meta.fake_graph import THROTTLED, WINDOW_CLOSED, FakeGraph, dev_graph_url
from integrations.meta.payloads import Tap, customer_message, delivery_receipt
from integrations.meta.webhook import SIGNATURE_HEADER, parse_webhook, verify_signature
from tools.replies import Button, ButtonsReply, ListReply, Row, Section, TextReply, to_whatsapp

TOKEN = "EAAG-test-token"
SECRET = "6f1d1c0e9a8b7c6d5e4f3a2b1c0d9e8f"
NUMBER_ID = "100000000000001"
ASHA = "+919800000001"
KABIR = "+919811112222"
GRAPH = "http://graph.test"
MESSAGES = f"{GRAPH}/v21.0/{NUMBER_ID}/messages"


class Webhook:
    """The receiving end of the fake's delivery receipts: keeps each POST; can hold them until released."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await self.gate.wait()
        self.requests.append(request)
        return httpx.Response(200, json={"stored": 1, "duplicates": 0, "skipped": 0, "ignored": 0})

    def states(self) -> list[tuple[str, str, str | None, str]]:
        found = []
        for request in self.requests:
            [delivery] = parse_webhook(request.content).deliveries
            found.extend((status.wamid, status.state.value, status.recipient_phone, delivery.phone_number_id)
                         for status in delivery.statuses)
        return found


@pytest.fixture
def webhook() -> Webhook:
    return Webhook()


@pytest.fixture
def fake(webhook: Webhook) -> FakeGraph:
    return FakeGraph(token=TOKEN, app_secret=SECRET, webhook_url="http://cazo.test/webhooks/whatsapp",
                     webhook_transport=httpx.MockTransport(webhook), receipt_delay=0)


@pytest.fixture
async def http(fake: FakeGraph) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app()), base_url=GRAPH) as client:
        yield client
    await fake.aclose()


def client_for(fake: FakeGraph, *, token: str = TOKEN, sleeps: list[float] | None = None,
               **options: Any) -> WhatsAppClient:
    async def sleep(seconds: float) -> None:
        (sleeps if sleeps is not None else []).append(seconds)

    return WhatsAppClient(token, graph_url=GRAPH, transport=httpx.ASGITransport(app=fake.app()), sleep=sleep,
                          jitter=lambda: 1.0, **options)


def text(body: str = "Namaste! Kal 5 baje haircut book karun?") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": ASHA, "type": "text",
            "text": {"body": body, "preview_url": False}}


# ---- accepting ----------------------------------------------------------------------------------------------------


async def test_a_text_is_answered_in_metas_shape_and_kept_for_its_recipient(http: httpx.AsyncClient,
                                                                            fake: FakeGraph) -> None:
    answer = await http.post(MESSAGES, json=text(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    body = answer.json()
    [message] = body["messages"]
    assert body == {"messaging_product": "whatsapp", "contacts": [{"input": ASHA, "wa_id": "919800000001"}],
                    "messages": [{"id": message["id"]}]}
    assert message["id"].startswith("wamid.") and len(message["id"]) <= 128
    [entry] = fake.sent(ASHA)
    assert (entry.wamid, entry.direction, entry.phone_number_id, entry.customer) == (
        message["id"], "out", NUMBER_ID, "919800000001")
    assert entry.message == {"type": "text", "text": {"body": "Namaste! Kal 5 baje haircut book karun?",
                                                      "preview_url": False}}
    assert fake.sent(KABIR) == []


async def test_the_client_sends_texts_buttons_lists_and_templates_through_the_fake(fake: FakeGraph) -> None:
    buttons = ButtonsReply("Book Haircut, Fri 5 pm?", (Button("confirm:1", "Confirm"), Button("change", "Change")))
    rows = ListReply("Pick a time", "Times", (Section((Row("t:17", "5:00 pm", "with Rahul"), Row("t:18", "6:00 pm")),
                                                      "Friday"),))
    async with client_for(fake) as client:
        wamids = [await client.send(NUMBER_ID, ASHA, to_whatsapp(TextReply("Hi Asha!"))),
                  await client.send(NUMBER_ID, ASHA, to_whatsapp(buttons)),
                  await client.send(NUMBER_ID, ASHA, to_whatsapp(rows)),
                  await client.send_template(NUMBER_ID, ASHA, {"name": "appointment_reminder", "language": "en",
                                                               "params": ["Asha", "5:00 pm"]})]
    assert len(set(wamids)) == 4
    sent = fake.sent(ASHA)
    assert [entry.wamid for entry in sent] == wamids
    assert [entry.message["type"] for entry in sent] == ["text", "interactive", "interactive", "template"]
    assert sent[2].message == to_whatsapp(rows)
    assert sent[3].message == template_message({"name": "appointment_reminder", "language": "en",
                                                "params": ["Asha", "5:00 pm"]})
    assert [entry.seq for entry in sent] == sorted(entry.seq for entry in sent)


def test_the_development_graph_url_is_under_the_servers_own_address() -> None:
    assert dev_graph_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/dev/graph"


# ---- refusing -----------------------------------------------------------------------------------------------------


def interactive_buttons(count: int, title: str = "Ok") -> dict[str, Any]:
    return {**text(), "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Choose"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": f"b{n}", "title": f"{title}{n}"}}
                               for n in range(count)]}}}


def list_of(rows: int) -> dict[str, Any]:
    return {**text(), "type": "interactive", "interactive": {
        "type": "list", "body": {"text": "Pick"}, "action": {"button": "Times", "sections": [
            {"title": "Friday", "rows": [{"id": f"r{n}", "title": f"{n}:00 pm"} for n in range(rows)]}]}}}


MALFORMED = {
    "no messaging_product": {key: value for key, value in text().items() if key != "messaging_product"},
    "another product": {**text(), "messaging_product": "instagram"},
    "no recipient": {key: value for key, value in text().items() if key != "to"},
    "a recipient that is no number": {**text(), "to": "asha"},
    "an unknown type": {**text(), "type": "carousel", "carousel": {}},
    "an empty text": {**text(), "text": {"body": ""}},
    "a text too long": {**text(), "text": {"body": "x" * 4097}},
    "four buttons": interactive_buttons(4),
    "a button title over 20 characters": interactive_buttons(1, title="A title far too long for it"),
    "eleven list rows": list_of(11),
    "a template without a language": {**text(), "type": "template", "template": {"name": "hello"}},
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_a_body_meta_would_refuse_answers_graph_error_100_and_keeps_nothing(
        http: httpx.AsyncClient, fake: FakeGraph, body: dict[str, Any]) -> None:
    answer = await http.post(MESSAGES, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 100 and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert error["error_data"]["messaging_product"] == "whatsapp" and error["error_data"]["details"]
    assert fake.sent() == [] and fake.last_seq == 0


async def test_a_body_that_is_not_json_or_a_number_id_that_is_not_one_is_refused(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    not_json = await http.post(MESSAGES, content=b"{to: asha", headers=headers)
    bad_number = await http.post(f"{GRAPH}/v21.0/not-a-number/messages", json=text(), headers=headers)
    assert [not_json.status_code, bad_number.status_code] == [400, 400]
    assert not_json.json()["error"]["error_data"]["details"] == "the body is not JSON"
    assert "does not exist" in bad_number.json()["error"]["message"]


async def test_the_client_sees_a_refused_body_as_a_final_error_with_code_100(fake: FakeGraph) -> None:
    async with client_for(fake) as client:
        with pytest.raises(WhatsAppError) as raised:
            await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": ""}})
    assert raised.value.code == 100 and raised.value.details == "text.body is required"
    assert fake.sent() == []


async def test_a_send_without_a_token_or_with_another_one_is_refused(http: httpx.AsyncClient,
                                                                      fake: FakeGraph) -> None:
    missing = await http.post(MESSAGES, json=text())
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 2500
    async with client_for(fake, token="EAAG-someone-elses") as client:
        with pytest.raises(WhatsAppAuthError) as raised:
            await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}})
    assert raised.value.code == 190 and raised.value.http_status == 401
    assert fake.sent() == []


# ---- failures on demand -------------------------------------------------------------------------------------------


async def test_injected_throttling_answers_429_with_130429_and_the_client_retries_through_it(
        fake: FakeGraph) -> None:
    fake.fail_next(THROTTLED, times=2)
    sleeps: list[float] = []
    async with client_for(fake, sleeps=sleeps, retry=RetryPolicy(base_delay=0.5)) as client:
        wamid = await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}})
    assert sleeps == [0.5, 1.0]
    assert [entry.wamid for entry in fake.sent()] == [wamid]


async def test_throttling_longer_than_the_clients_attempts_is_raised_as_throttled(fake: FakeGraph) -> None:
    fake.fail_next(THROTTLED, times=4)
    async with client_for(fake, retry=RetryPolicy(max_attempts=4)) as client:
        with pytest.raises(WhatsAppThrottled) as raised:
            await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}})
    assert (raised.value.code, raised.value.http_status) == (130429, 429)
    assert fake.sent() == []


async def test_a_closed_window_is_answered_131047_for_that_customer_once(fake: FakeGraph) -> None:
    fake.fail_next(WINDOW_CLOSED, to=ASHA)
    message = {"type": "text", "text": {"body": "Your booking is confirmed"}}
    async with client_for(fake) as client:
        to_kabir = await client.send(NUMBER_ID, KABIR, message)
        with pytest.raises(WhatsAppWindowClosed) as raised:
            await client.send(NUMBER_ID, ASHA, message)
        to_asha = await client.send(NUMBER_ID, ASHA, message)
    assert (raised.value.code, raised.value.http_status) == (131047, 400)
    assert [entry.wamid for entry in fake.sent(KABIR)] == [to_kabir]
    assert [entry.wamid for entry in fake.sent(ASHA)] == [to_asha]


# ---- media --------------------------------------------------------------------------------------------------------


async def test_media_is_looked_up_then_downloaded_with_the_token(fake: FakeGraph) -> None:
    media_id = fake.add_media(b"OggS\x00voice-note", "audio/ogg; codecs=opus")
    async with client_for(fake) as client:
        assert await client.download_media(media_id) == (b"OggS\x00voice-note", "audio/ogg; codecs=opus")
        with pytest.raises(WhatsAppError) as raised:
            await client.download_media("1146219707468871")
    assert raised.value.code == 100


async def test_the_media_url_refuses_a_caller_without_the_token(http: httpx.AsyncClient, fake: FakeGraph) -> None:
    media_id = fake.add_media(b"\xff\xd8jpeg", "image/jpeg")
    info = await http.get(f"{GRAPH}/v21.0/{media_id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert info.json()["file_size"] == 6 and info.json()["mime_type"] == "image/jpeg"
    assert (await http.get(info.json()["url"])).status_code == 400
    downloaded = await http.get(info.json()["url"], headers={"Authorization": f"Bearer {TOKEN}"})
    assert downloaded.content == b"\xff\xd8jpeg"


# ---- delivery receipts --------------------------------------------------------------------------------------------


async def test_each_accepted_message_is_reported_sent_delivered_read_in_order_and_signed(
        fake: FakeGraph, webhook: Webhook) -> None:
    async with client_for(fake) as client:
        first = await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "one"}})
        second = await client.send(NUMBER_ID, KABIR, {"type": "text", "text": {"body": "two"}})
    await fake.drain()
    assert all(verify_signature(r.content, r.headers[SIGNATURE_HEADER], SECRET) for r in webhook.requests)
    assert {str(r.url) for r in webhook.requests} == {"http://cazo.test/webhooks/whatsapp"}
    states = webhook.states()
    assert [state for wamid, state, _, _ in states if wamid == first] == ["sent", "delivered", "read"]
    assert [state for wamid, state, _, _ in states if wamid == second] == ["sent", "delivered", "read"]
    assert {(wamid, phone, number) for wamid, _, phone, number in states} == {
        (first, ASHA, NUMBER_ID), (second, KABIR, NUMBER_ID)}
    assert [entry.status for entry in fake.sent()] == ["read", "read"]


async def test_the_send_is_answered_before_any_receipt_is_posted(fake: FakeGraph, webhook: Webhook) -> None:
    webhook.gate.clear()
    async with client_for(fake) as client:
        wamid = await asyncio.wait_for(client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}}), 5)
    assert webhook.requests == []
    webhook.gate.set()
    await fake.drain()
    assert [(w, state) for w, state, _, _ in webhook.states()] == [(wamid, "sent"), (wamid, "delivered"),
                                                                   (wamid, "read")]


async def test_a_webhook_path_is_posted_to_the_server_that_received_the_send(webhook: Webhook) -> None:
    fake = FakeGraph(app_secret=SECRET, webhook_url="/webhooks/whatsapp",
                     webhook_transport=httpx.MockTransport(webhook), receipt_delay=0, receipts=("sent",))
    async with client_for(fake) as client:
        await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}})
    await fake.drain()
    await fake.aclose()
    [request] = webhook.requests
    assert (request.url.host, request.url.path) == ("graph.test", "/webhooks/whatsapp")


async def test_without_a_webhook_states_still_advance_and_nothing_is_posted() -> None:
    fake = FakeGraph(receipt_delay=0)
    async with client_for(fake) as client:
        await client.send(NUMBER_ID, ASHA, {"type": "text", "text": {"body": "hi"}})
    await fake.drain()
    assert [entry.status for entry in fake.sent()] == ["read"]


# ---- the conversation record --------------------------------------------------------------------------------------


def test_both_sides_of_a_conversation_are_kept_in_order_and_bounded() -> None:
    fake = FakeGraph(per_customer=3, customers=2)
    fake.note_inbound(NUMBER_ID, ASHA, {"id": "wamid.in1", "type": "text", "text": {"body": "1"}})
    fake.note_inbound(NUMBER_ID, KABIR, {"id": "wamid.in2", "type": "text", "text": {"body": "2"}})
    for number in range(3, 6):
        fake.note_inbound(NUMBER_ID, ASHA, {"id": f"wamid.in{number}", "type": "text", "text": {"body": "x"}})
    assert [entry.wamid for entry in fake.conversation(ASHA)] == ["wamid.in3", "wamid.in4", "wamid.in5"]
    assert [entry.wamid for entry in fake.conversation(ASHA, after=4)] == ["wamid.in5"]
    fake.note_inbound(NUMBER_ID, "+919822223333", {"id": "wamid.in6", "type": "text", "text": {"body": "x"}})
    assert fake.conversation(KABIR) == []  # the customer heard from longest ago is let go
    assert fake.last_seq == 6


# ---- simulated customer webhooks ----------------------------------------------------------------------------------


def test_a_simulated_text_is_a_signed_webhook_the_parser_reads_as_metas() -> None:
    before = int(time.time())
    webhook = customer_message(app_secret=SECRET, phone_number_id=NUMBER_ID, customer_phone=ASHA,
                               text="नमस्ते, kal 5 baje?", contact_name="Asha")
    assert b"\\u0928" in webhook.body
    assert verify_signature(webhook.body, webhook.headers[SIGNATURE_HEADER], SECRET)
    [delivery] = parse_webhook(webhook.body).deliveries
    [message] = delivery.messages
    assert (delivery.phone_number_id, message.wamid, message.kind, message.text) == (
        NUMBER_ID, webhook.wamid, InboundKind.TEXT, "नमस्ते, kal 5 baje?")
    assert (message.customer_phone, message.contact_name) == (ASHA, "Asha")
    assert before <= message.sent_at.timestamp() <= time.time()
    again = customer_message(app_secret=SECRET, phone_number_id=NUMBER_ID, customer_phone=ASHA, text="x")
    assert again.wamid != webhook.wamid


@pytest.mark.parametrize("tap", [Tap("button_reply", "confirm:42", "Confirm"),
                                 Tap("list_reply", "t:17", "5:00 pm", "with Rahul")])
def test_a_simulated_tap_carries_the_reply_id_title_and_the_message_it_answers(tap: Tap) -> None:
    webhook = customer_message(app_secret=SECRET, phone_number_id=NUMBER_ID, customer_phone=ASHA, tap=tap,
                               contact_name="Asha", context_wamid="wamid.OURS1", display_phone="+912226401188")
    [delivery] = parse_webhook(webhook.body).deliveries
    [message] = delivery.messages
    assert (message.kind, message.reply_id, message.reply_title, message.context_wamid) == (
        InboundKind.INTERACTIVE, tap.id, tap.title, "wamid.OURS1")
    interactive = message.payload["interactive"]
    assert interactive["type"] == tap.reply_type
    assert interactive[tap.reply_type].get("description") == tap.description
    assert message.payload["context"] == {"from": "912226401188", "id": "wamid.OURS1"}


def test_a_message_is_a_text_or_a_tap_not_both() -> None:
    with pytest.raises(ValueError):
        customer_message(app_secret=SECRET, phone_number_id=NUMBER_ID, customer_phone=ASHA)
    with pytest.raises(ValueError):
        customer_message(app_secret=SECRET, phone_number_id=NUMBER_ID, customer_phone=ASHA, text="hi",
                         tap=Tap("button_reply", "a", "A"))


def test_a_simulated_receipt_reads_as_metas() -> None:
    webhook = delivery_receipt(app_secret=SECRET, phone_number_id=NUMBER_ID, wamid="wamid.OURS2", state="read",
                               recipient=ASHA, now=1779372900)
    [delivery] = parse_webhook(webhook.body).deliveries
    [receipt] = delivery.statuses
    assert (receipt.wamid, receipt.state, receipt.recipient_phone, receipt.occurred_at.timestamp()) == (
        "wamid.OURS2", DeliveryState.READ, ASHA, 1779372900)
    assert json.loads(webhook.body)["entry"][0]["changes"][0]["value"]["statuses"][0]["pricing"]["billable"]
