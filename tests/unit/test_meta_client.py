"""The outbound WhatsApp client against httpx.MockTransport speaking the Cloud API's wire format; no network."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from integrations.meta.client import RetryPolicy, WhatsAppClient, retry_after_seconds, template_message
from integrations.meta.errors import (
    WhatsAppAuthError,
    WhatsAppError,
    WhatsAppMediaTooLarge,
    WhatsAppRecipientError,
    WhatsAppTemplateError,
    WhatsAppThrottled,
    WhatsAppTransportError,
    WhatsAppWindowClosed,
    from_response,
)

TOKEN = "EAAG-secret-token"
PHONE_ID = "106540352242922"
TO = "+919876543210"
GRAPH = "https://graph.facebook.com/v21.0"

Handler = Callable[[httpx.Request], httpx.Response]


def sent(wamid: str = "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSNjQ=") -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "contacts": [{"input": TO, "wa_id": "919876543210"}],
                                     "messages": [{"id": wamid}]})


def graph_error(status: int, code: int, message: str, *, subcode: int | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "error_data": {"messaging_product": "whatsapp", "details": message},
                             "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)


class Recorder:
    """A scripted Graph API: answers in order (or by a function), keeping every request and every sleep."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **kwargs: Any) -> WhatsAppClient:
        return WhatsAppClient(TOKEN, transport=httpx.MockTransport(self), sleep=self.sleep, jitter=lambda: 1.0,
                              **kwargs)


async def test_a_text_reply_is_posted_to_the_numbers_messages_edge_and_returns_the_wamid() -> None:
    graph = Recorder(sent("wamid.text1"))
    async with graph.client() as client:
        wamid = await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "Namaste!"}})
    assert wamid == "wamid.text1"
    [request] = graph.requests
    assert request.method == "POST"
    assert str(request.url) == f"{GRAPH}/{PHONE_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"messaging_product": "whatsapp", "recipient_type": "individual",
                                           "to": TO, "type": "text", "text": {"body": "Namaste!"}}


async def test_an_interactive_reply_keeps_its_object_and_a_configured_graph_version() -> None:
    interactive = {"type": "button", "body": {"text": "Book 5 pm?"},
                   "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm", "title": "Confirm"}}]}}
    graph = Recorder(sent("wamid.i"))
    async with graph.client(graph_url="https://graph.example/", version="v22.0") as client:
        assert await client.send(PHONE_ID, TO, {"type": "interactive", "interactive": interactive}) == "wamid.i"
    request = graph.requests[0]
    assert str(request.url) == f"https://graph.example/v22.0/{PHONE_ID}/messages"
    body = json.loads(request.content)
    assert body["type"] == "interactive" and body["interactive"] == interactive and body["to"] == TO


async def test_a_template_goes_out_with_a_language_code_and_one_body_component_of_text_parameters() -> None:
    graph = Recorder(sent("wamid.t"))
    template = {"name": "appointment_reminder", "language": "hi", "params": ["Asha", "5:30 pm", 7]}
    async with graph.client() as client:
        assert await client.send_template(PHONE_ID, TO, template) == "wamid.t"
    body = json.loads(graph.requests[0].content)
    assert body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": "template",
                    "template": {"name": "appointment_reminder", "language": {"code": "hi"},
                                 "components": [{"type": "body", "parameters": [
                                     {"type": "text", "text": "Asha"}, {"type": "text", "text": "5:30 pm"},
                                     {"type": "text", "text": "7"}]}]}}


def test_a_template_without_parameters_has_no_components() -> None:
    assert template_message({"name": "hello", "language": "en", "params": []}) == {
        "type": "template", "template": {"name": "hello", "language": {"code": "en"}}}


async def test_a_429_is_retried_once_honouring_retry_after() -> None:
    graph = Recorder(graph_error(429, 130429, "Rate limit hit", headers={"Retry-After": "2"}), sent("wamid.ok"))
    async with graph.client() as client:
        assert await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}}) == "wamid.ok"
    assert len(graph.requests) == 2
    assert graph.sleeps == [2.0]


async def test_two_500s_then_success_back_off_exponentially() -> None:
    graph = Recorder(httpx.Response(500, text="oops"), graph_error(503, 2, "Service temporarily unavailable"),
                     sent("wamid.late"))
    async with graph.client(retry=RetryPolicy(base_delay=0.5)) as client:
        assert await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}}) == "wamid.late"
    assert len(graph.requests) == 3
    assert graph.sleeps == [0.5, 1.0]


async def test_outside_the_window_is_final_and_says_a_template_is_needed() -> None:
    graph = Recorder(graph_error(400, 131047, "Re-engagement message"))
    async with graph.client() as client:
        with pytest.raises(WhatsAppWindowClosed) as caught:
            await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    assert len(graph.requests) == 1 and graph.sleeps == []
    error = caught.value
    assert error.retryable is False
    assert (error.code, error.fbtrace_id, error.http_status) == (131047, "AbCdEfGh123", 400)
    assert error.details == "Re-engagement message"


async def test_the_pair_rate_limit_is_throttled_and_retryable_later_but_not_retried_now() -> None:
    graph = Recorder(graph_error(400, 131056, "(Business Account, Consumer Account) pair rate limit hit"))
    async with graph.client() as client:
        with pytest.raises(WhatsAppThrottled) as caught:
            await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    assert caught.value.retryable is True and len(graph.requests) == 1


async def test_an_expired_token_is_an_auth_error() -> None:
    graph = Recorder(graph_error(401, 190, "Error validating access token: Session has expired", subcode=463))
    async with graph.client() as client:
        with pytest.raises(WhatsAppAuthError) as caught:
            await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    assert (caught.value.code, caught.value.subcode, caught.value.retryable) == (190, 463, False)
    assert len(graph.requests) == 1


async def test_a_timeout_is_retried_then_raised_as_a_transport_error() -> None:
    graph = Recorder(httpx.ReadTimeout("read timed out"))
    async with graph.client(retry=RetryPolicy(max_attempts=3, base_delay=0.1)) as client:
        with pytest.raises(WhatsAppTransportError) as caught:
            await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    assert caught.value.retryable is True
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(graph.requests) == 3 and graph.sleeps == [0.1, 0.2]


async def test_a_retry_after_beyond_the_time_budget_gives_up_at_once() -> None:
    graph = Recorder(graph_error(429, 4, "Too many API calls", headers={"Retry-After": "3600"}))
    async with graph.client() as client:
        with pytest.raises(WhatsAppThrottled):
            await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    assert len(graph.requests) == 1 and graph.sleeps == []


async def test_logs_mask_the_phone_and_never_carry_the_token(caplog: pytest.LogCaptureFixture) -> None:
    graph = Recorder(httpx.Response(502), graph_error(400, 131026, "Message undeliverable"))
    with caplog.at_level(logging.DEBUG, logger="integrations.meta.client"):
        async with graph.client() as client:
            with pytest.raises(WhatsAppRecipientError):
                await client.send(PHONE_ID, TO, {"type": "text", "text": {"body": "hi"}})
    text = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records and TOKEN not in text and "9876543210" not in text
    assert "+91******3210" in text
    assert TOKEN not in repr(client)


@pytest.mark.parametrize(("code", "kind", "retryable"), [
    (130429, WhatsAppThrottled, True), (80007, WhatsAppThrottled, True), (4, WhatsAppThrottled, True),
    (131030, WhatsAppRecipientError, False), (132000, WhatsAppTemplateError, False),
    (132001, WhatsAppTemplateError, False), (132016, WhatsAppTemplateError, False),
    (0, WhatsAppAuthError, False), (131000, WhatsAppError, True), (100, WhatsAppError, False),
])
def test_graph_codes_map_onto_the_exception_tree(code: int, kind: type[WhatsAppError], retryable: bool) -> None:
    error = from_response(400, {"error": {"message": "m", "code": code, "fbtrace_id": "t"}})
    assert type(error) is kind and error.retryable is retryable and error.code == code


def test_a_body_without_an_error_object_is_a_generic_error() -> None:
    error = from_response(502, "<html>bad gateway</html>")
    assert type(error) is WhatsAppError and error.retryable is True and error.http_status == 502


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Fri, 01 May 2026 12:00:05 GMT", now) == 5.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


MEDIA_URL = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=123&ext=1&hash=abc"


def media_graph(download: httpx.Response, *, file_size: int = 5) -> Recorder:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "graph.facebook.com":
            return httpx.Response(200, json={"messaging_product": "whatsapp", "url": MEDIA_URL,
                                             "mime_type": "audio/ogg; codecs=opus", "sha256": "x",
                                             "file_size": file_size, "id": "1234"})
        return download
    return Recorder(answer)


async def test_media_is_looked_up_then_downloaded_with_the_token() -> None:
    graph = media_graph(httpx.Response(200, content=b"OggS\x00", headers={"Content-Type": "audio/ogg"}))
    async with graph.client() as client:
        content, mime = await client.download_media("1234")
    assert (content, mime) == (b"OggS\x00", "audio/ogg; codecs=opus")
    lookup, download = graph.requests
    assert lookup.method == "GET" and str(lookup.url) == f"{GRAPH}/1234"
    assert str(download.url) == MEDIA_URL
    assert lookup.headers["Authorization"] == download.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_media_over_the_cap_is_refused_from_its_content_length() -> None:
    streamed: list[int] = []

    async def body() -> Any:
        streamed.append(1)
        yield b"x" * 10

    oversized = httpx.Response(200, headers={"Content-Length": str(17 * 1024 * 1024)}, content=body())
    graph = media_graph(oversized)
    async with graph.client() as client:
        with pytest.raises(WhatsAppMediaTooLarge):
            await client.download_media("1234")
    assert streamed == []  # the body was never read
    assert len(graph.requests) == 2


async def test_media_declared_too_large_in_the_lookup_is_not_downloaded() -> None:
    graph = media_graph(httpx.Response(200, content=b"x"), file_size=20 * 1024 * 1024)
    async with graph.client() as client:
        with pytest.raises(WhatsAppMediaTooLarge):
            await client.download_media("1234")
    assert len(graph.requests) == 1


async def test_media_without_a_content_length_is_cut_off_at_the_cap() -> None:
    async def body() -> Any:
        for _ in range(4):
            yield b"x" * 4

    graph = media_graph(httpx.Response(200, content=body()))
    async with graph.client(media_max_bytes=10) as client:
        with pytest.raises(WhatsAppMediaTooLarge):
            await client.download_media("1234")
