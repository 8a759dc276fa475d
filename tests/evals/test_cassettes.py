"""Cassettes: a model call is recorded once from a real (here: fake, local) OpenAI-compatible endpoint, replayed
with no endpoint at all, reported stale when the prompt it was recorded with changes, and refused (the model is
unavailable) when there is neither a recording nor an endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from agents.intents import Intent
from agents.routers.base import RouterContext, RouterUnavailable
from agents.routers.llm import ChatModelRouter
from domain.clock import FixedClock
from evals.cassettes import Cassette, request_key
from serving.openai_compat import ChatEndpoint, make_async_client
from tests.serving.fake_openai import FakeOpenAI, router_reply

MODEL = "gpt-4o"
CONTEXT = RouterContext(language="hinglish", now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))


def router_on(cassette: Cassette, base_url: str) -> ChatModelRouter:
    client = make_async_client(ChatEndpoint(base_url, MODEL, "key"), max_retries=0,
                               http_client=httpx.AsyncClient(transport=cassette))
    return ChatModelRouter(client, MODEL, name="l3", clock=FixedClock(CONTEXT.now or datetime.now(UTC)))


async def test_a_call_is_recorded_once_then_replayed_without_any_endpoint(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.enqueue(router_reply("book", time="17:00"))
    recording = Cassette("router", "hash-1", MODEL, upstream=httpx.AsyncHTTPTransport(), directory=tmp_path)
    first = await router_on(recording, fake.base_url).classify("kal 5 baje haircut", CONTEXT)
    assert recording.save() and recording.stats.recorded == 1 and len(fake.requests) == 1
    entry = json.loads(recording.path.read_text(encoding="utf-8"))
    assert entry["prompt"] == "router" and entry["prompt_hash"] == "hash-1" and entry["model"] == MODEL
    assert entry["response"]["object"] == "chat.completion"

    offline = Cassette("router", "hash-1", MODEL, directory=tmp_path)
    again = await router_on(offline, "http://127.0.0.1:9/v1").classify("kal 5 baje haircut", CONTEXT)
    assert (again.intent, again.slots, again.confidence) == (first.intent, first.slots, first.confidence)
    assert again.intent is Intent.book
    assert offline.stats.hits == 1 and offline.stats.prompt_tokens > 0
    assert len(fake.requests) == 1  # nothing went out
    assert not offline.save()  # nothing new to write


async def test_a_recording_made_with_another_prompt_is_stale_and_not_replayed(fake: FakeOpenAI,
                                                                              tmp_path: Path) -> None:
    fake.enqueue(router_reply("cancel"))
    recording = Cassette("router", "old-prompt", MODEL, upstream=httpx.AsyncHTTPTransport(), directory=tmp_path)
    await router_on(recording, fake.base_url).classify("cancel kar do", CONTEXT)
    recording.save()
    changed = Cassette("router", "new-prompt", MODEL, directory=tmp_path)
    with pytest.raises(RouterUnavailable):
        await router_on(changed, "http://127.0.0.1:9/v1").classify("cancel kar do", CONTEXT)
    assert (changed.stats.stale, changed.stats.missing, changed.stats.hits) == (1, 1, 0)


async def test_another_message_has_no_recording_and_the_model_is_unavailable(tmp_path: Path) -> None:
    cassette = Cassette("router", "h", MODEL, directory=tmp_path)
    with pytest.raises(RouterUnavailable):
        await router_on(cassette, "http://127.0.0.1:9/v1").classify("something new", CONTEXT)
    assert cassette.stats.missing == 1 and not cassette.path.exists()


def test_the_key_ignores_the_system_prompt_words_but_not_the_message() -> None:
    body = {"model": MODEL, "messages": [{"role": "system", "content": "v1 words"}, {"role": "user", "content": "hi"}]}
    reworded = {**body, "messages": [{"role": "system", "content": "v2 words"}, body["messages"][1]]}
    other = {**body, "messages": [body["messages"][0], {"role": "user", "content": "hello"}]}
    assert request_key(body) == request_key(reworded)
    assert request_key(body) != request_key(other)
    assert request_key(body) != request_key({**body, "temperature": 0.7})


def test_a_torn_cassette_file_is_refused_with_its_line(tmp_path: Path) -> None:
    cassette = Cassette("router", "h", MODEL, directory=tmp_path)
    cassette.path.write_text('{"key": "a", "response": {}}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"router--gpt-4o.jsonl:2"):
        cassette.load()
