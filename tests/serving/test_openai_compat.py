"""The OpenAI-compatible client factory talks to the server it was given, with its key, timeout and few retries."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

import serving.openai_compat as openai_compat
from serving.openai_compat import NO_KEY, OPENAI_BASE_URL, ChatEndpoint, make_async_client
from tests.serving.fake_openai import FakeOpenAI, Reply, Token, content_tokens

MODEL = "mistralai/Mistral-7B-Instruct-v0.3"
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
ClientFactory = Callable[..., openai.AsyncOpenAI]


@pytest.fixture
async def clients() -> AsyncIterator[ClientFactory]:
    made: list[openai.AsyncOpenAI] = []

    def make(endpoint: ChatEndpoint, **options: object) -> openai.AsyncOpenAI:
        client = make_async_client(endpoint, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_endpoint_without_a_base_url_points_at_openai() -> None:
    assert ChatEndpoint(None, "gpt-4o", "sk-x").url == OPENAI_BASE_URL
    assert ChatEndpoint("http://gpu:8001/v1/", MODEL).url == "http://gpu:8001/v1"


def test_an_endpoint_never_shows_its_key() -> None:
    endpoint = ChatEndpoint("http://gpu:8001/v1", MODEL, "sk-very-secret")
    assert "sk-very-secret" not in repr(endpoint) and "sk-very-secret" not in str(endpoint)


@pytest.mark.parametrize("bad", [{"timeout_s": 0}, {"model": ""}])
def test_an_endpoint_refuses_a_zero_timeout_or_a_missing_model(bad: dict[str, object]) -> None:
    values: dict[str, object] = {"base_url": "http://gpu:8001/v1", "model": MODEL} | bad
    with pytest.raises(ValueError):
        ChatEndpoint(**values)  # type: ignore[arg-type]


def test_no_client_exists_until_one_is_asked_for() -> None:
    assert not any(isinstance(value, openai.AsyncOpenAI) for value in vars(openai_compat).values())


def test_the_environment_cannot_redirect_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://somewhere-else.example/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    client = make_async_client(ChatEndpoint("http://gpu:8001/v1", MODEL, None))
    assert str(client.base_url) == "http://gpu:8001/v1/" and client.api_key == NO_KEY


def test_the_client_takes_the_endpoint_timeout_and_one_retry_by_default() -> None:
    client = make_async_client(ChatEndpoint(None, "gpt-4o", "sk-x", timeout_s=7.5))
    assert client.timeout == 7.5 and client.max_retries == 1
    with pytest.raises(ValueError):
        make_async_client(ChatEndpoint(None, "gpt-4o", "sk-x"), max_retries=-1)


async def test_a_request_reaches_the_configured_server_with_its_key(fake: FakeOpenAI,
                                                                   clients: ClientFactory) -> None:
    fake.enqueue(Reply(content="hello", tokens=content_tokens("hello")))
    client = clients(ChatEndpoint(fake.base_url, MODEL, "token-abc123"))
    completion = await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "hello"
    sent = fake.requests[-1]
    assert sent.path == "/v1/chat/completions" and sent.headers["authorization"] == "Bearer token-abc123"
    assert sent.body["model"] == MODEL


async def test_a_vllm_without_a_key_is_sent_the_usual_placeholder(fake: FakeOpenAI, clients: ClientFactory) -> None:
    fake.enqueue(Reply(content="ok"))
    await clients(ChatEndpoint(fake.base_url, MODEL)).chat.completions.create(
        model=MODEL, messages=HELLO)
    assert fake.requests[-1].headers["authorization"] == "Bearer EMPTY"


async def test_the_fake_speaks_the_chat_completion_wire_format(fake: FakeOpenAI, clients: ClientFactory) -> None:
    fake.enqueue(Reply(content='{"a": 1}', tokens=[Token('{"', -0.5, (("{", -1.5),)), Token("a", -0.25),
                                                   Token('":', -0.1), Token(" ", -0.01), Token("1", -0.2),
                                                   Token("}", -0.0)]))
    client = clients(ChatEndpoint(fake.base_url, MODEL))
    completion = await client.chat.completions.create(model=MODEL, messages=HELLO,
                                                      logprobs=True, top_logprobs=2)
    assert completion.object == "chat.completion" and completion.model == MODEL
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.logprobs is not None and choice.logprobs.content is not None
    first = choice.logprobs.content[0]
    assert (first.token, first.logprob, first.bytes) == ('{"', -0.5, [123, 34])
    assert [(top.token, top.logprob) for top in first.top_logprobs] == [('{"', -0.5), ("{", -1.5)]
    assert "".join(token.token for token in choice.logprobs.content) == choice.message.content
    assert completion.usage is not None and completion.usage.completion_tokens == 6


async def test_a_server_error_is_retried_once_by_default(fake: FakeOpenAI, clients: ClientFactory) -> None:
    fake.enqueue(Reply(status=503, headers={"retry-after-ms": "1"}), Reply(content="second time lucky"))
    client = clients(ChatEndpoint(fake.base_url, MODEL))
    completion = await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "second time lucky" and len(fake.requests) == 2


async def test_without_retries_a_server_error_surfaces_at_once(fake: FakeOpenAI, clients: ClientFactory) -> None:
    fake.enqueue(Reply(status=500, headers={"retry-after-ms": "1"}))
    client = clients(ChatEndpoint(fake.base_url, MODEL), max_retries=0)
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert len(fake.requests) == 1


async def test_a_slow_server_times_out_at_the_endpoint_timeout(fake: FakeOpenAI, clients: ClientFactory) -> None:
    fake.enqueue(Reply(content="too late", delay_s=1.0))
    client = clients(ChatEndpoint(fake.base_url, MODEL, timeout_s=0.2), max_retries=0)
    with pytest.raises(openai.APITimeoutError):
        await client.chat.completions.create(model=MODEL, messages=HELLO)


async def test_an_unreachable_server_is_a_connection_error(clients: ClientFactory) -> None:
    client = clients(ChatEndpoint(f"http://127.0.0.1:{closed_port()}/v1", MODEL, timeout_s=2), max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        await client.chat.completions.create(model=MODEL, messages=HELLO)


async def test_an_http_client_can_be_handed_in_as_a_transport_seam(clients: ClientFactory) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "via transport"},
                         "finish_reason": "stop", "logprobs": None}]})

    transport_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = clients(ChatEndpoint("http://gpu.invalid:8001/v1", MODEL), http_client=transport_client)
    completion = await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert completion.choices[0].message.content == "via transport"
    assert str(seen[0].url) == "http://gpu.invalid:8001/v1/chat/completions"
    assert json.loads(seen[0].content)["model"] == MODEL

