"""The chat-model router (L2 on vLLM, L3 on OpenAI) over a fake OpenAI-compatible server on a local port.

What it sends (strict JSON schema, logprobs, temperature 0, the prompt with the salon's clock), how sure it is (the
probability of the tokens that spell the intent), what else it considered, the slots it keeps, and that every
failure is a RouterUnavailable rather than a guess.
"""

from __future__ import annotations

import math
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from openai.types.chat import ChatCompletionTokenLogprob

from agents.intents import Intent
from agents.routers.base import Router, RouterContext, RouterUnavailable
from agents.routers.llm import ROUTER_SCHEMA, ChatModelRouter, ChatRouterOptions, intent_probability
from domain.clock import FixedClock
from prompts.router import INTENT_NAMES, PROMPT_VERSION, SYSTEM_PROMPT
from serving.openai_compat import ChatEndpoint, make_async_client
from tests.serving.fake_openai import FakeOpenAI, Reply, Token, content_tokens, router_content, router_reply

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.3"
NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # Wednesday, 12:00 in Mumbai
CONTEXT = RouterContext(language="hinglish", now=NOW, zone="Asia/Kolkata")
RouterFactory = Callable[..., ChatModelRouter]


@pytest.fixture
async def routers(fake: FakeOpenAI) -> AsyncIterator[RouterFactory]:
    """``routers(**kw)`` makes a router on the fake server (no retries, so failures show at once)."""
    made: list[ChatModelRouter] = []

    def make(*, model: str = MISTRAL, name: str = "llm", options: ChatRouterOptions | None = None,
             timeout_s: float = 5.0, base_url: str | None = None) -> ChatModelRouter:
        endpoint = ChatEndpoint(base_url or fake.base_url, model, "test-key", timeout_s=timeout_s)
        router = ChatModelRouter(make_async_client(endpoint, max_retries=0), model, name=name, options=options,
                                 clock=FixedClock(NOW))
        made.append(router)
        return router

    yield make
    for router in made:
        await router.aclose()


# -- what is sent ----------------------------------------------------------------------------------------------------

def test_the_prompt_names_exactly_the_intents_in_their_order() -> None:
    assert INTENT_NAMES == tuple(intent.value for intent in Intent)
    assert all(f"- {name}:" in SYSTEM_PROMPT for name in INTENT_NAMES)


def test_the_schema_puts_the_intent_first_and_forbids_anything_else() -> None:
    assert list(ROUTER_SCHEMA["properties"]) == ["intent", "slots"]
    assert ROUTER_SCHEMA["properties"]["intent"]["enum"] == list(INTENT_NAMES)
    slots = ROUTER_SCHEMA["properties"]["slots"]
    assert slots["required"] == ["date", "time", "services", "staff", "coupon"]
    assert ROUTER_SCHEMA["additionalProperties"] is False and slots["additionalProperties"] is False


async def test_the_request_asks_for_strict_json_with_logprobs_at_temperature_zero(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("book", date="2026-11-26"))
    await routers().classify("kal haircut karwana hai", CONTEXT)
    sent = fake.requests[-1]
    body: dict[str, Any] = sent.body
    assert sent.headers["authorization"] == "Bearer test-key"
    assert body["model"] == MISTRAL and body["temperature"] == 0
    assert body["logprobs"] is True and body["top_logprobs"] == 5
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "intent_and_slots", "strict": True, "schema": ROUTER_SCHEMA}}
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user" and user["content"].endswith("Customer message:\nkal haircut karwana hai")


async def test_the_user_turn_carries_the_salon_clock_and_the_conversation_state(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("affirm"))
    context = RouterContext(language="hinglish", pending_confirmation=True, last_intent=Intent.book,
                            service_names=("Haircut", "Beard trim"), staff_names=("Ravi",), now=NOW,
                            zone="Asia/Kolkata")
    await routers().classify("haan", context)
    user = fake.last_body["messages"][1]["content"]
    assert "Now: Wednesday 2026-11-25 12:00 (Asia/Kolkata)" in user
    assert "yes/no question" in user and "Previous intent in this conversation: book" in user
    assert "Services offered: Haircut, Beard trim" in user and "Stylists: Ravi" in user


async def test_without_a_clock_in_the_context_the_router_uses_its_own_and_a_bad_zone_falls_back(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("greet"), router_reply("greet"))
    router = routers()
    await router.classify("hi", RouterContext(zone="America/New_York"))
    assert "Now: Wednesday 2026-11-25 01:30 (America/New_York)" in fake.last_body["messages"][1]["content"]
    await router.classify("hi", RouterContext(now=NOW, zone="Mars/Olympus"))
    assert "Now: Wednesday 2026-11-25 12:00 (Asia/Kolkata)" in fake.last_body["messages"][1]["content"]


async def test_a_router_told_not_to_ask_for_logprobs_does_not(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content=router_content("faq")))
    found = await routers(options=ChatRouterOptions(request_logprobs=False)).classify("timings?", CONTEXT)
    assert fake.last_body["logprobs"] is False and found.intent is Intent.faq


async def test_server_specific_fields_pass_through_extra_body(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("faq"))
    await routers(options=ChatRouterOptions(extra_body={"top_k": 1})).classify("timings?", CONTEXT)
    assert fake.last_body["top_k"] == 1


# -- how sure ------------------------------------------------------------------------------------------------------

async def test_confidence_is_the_probability_of_the_intent_token(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("book", intent_logprobs=[-0.05]))
    found = await routers().classify("kal haircut karwana hai", CONTEXT)
    assert found.intent is Intent.book
    assert found.confidence == pytest.approx(math.exp(-0.05)) and found.confidence == pytest.approx(0.951, abs=1e-3)


async def test_an_intent_spelled_by_several_tokens_multiplies_their_probabilities(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("my_bookings", intent_logprobs=[-0.3, -0.2, -0.1]))
    found = await routers().classify("meri booking kab hai", CONTEXT)
    assert found.intent is Intent.my_bookings and found.confidence == pytest.approx(math.exp(-0.6))


async def test_tokens_decoded_without_their_leading_space_still_line_up(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("cancel", intent_logprobs=[-0.4, -0.01], drop_spaces=True))
    found = await routers().classify("cancel kar do", CONTEXT)
    assert found.confidence == pytest.approx(math.exp(-0.41))


async def test_tokens_around_the_intent_do_not_count(fake: FakeOpenAI, routers: RouterFactory) -> None:
    reply = router_reply("faq", intent_logprobs=[-0.2])
    assert reply.tokens is not None
    reply.tokens = [Token(t.text, -3.0 if t is not reply.tokens[4] else t.logprob, t.top) for t in reply.tokens]
    fake.enqueue(reply)
    found = await routers().classify("parking hai?", CONTEXT)
    assert found.confidence == pytest.approx(math.exp(-0.2))


async def test_alternatives_are_the_other_intents_at_the_first_intent_token(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("reschedule", intent_logprobs=[-0.7],
                              alternatives={"can": -1.2, "cancel": -4.0, "book": -2.5, "c": -3.0, "": -5.0,
                                            "pay": -6.0}))
    found = await routers().classify("kal nahi aa paunga", CONTEXT)
    assert found.confidence == pytest.approx(math.exp(-0.7))
    intents = [intent for intent, _ in found.alternatives]
    assert intents == [Intent.cancel, Intent.book]  # "c" fits three intents; "" and pay fall outside the top 5
    assert dict(found.alternatives)[Intent.cancel] == pytest.approx(math.exp(-1.2) + math.exp(-4.0))
    assert dict(found.alternatives)[Intent.book] == pytest.approx(math.exp(-2.5))


def _token(text: str, logprob: float, top: tuple[tuple[str, float], ...] = ()) -> ChatCompletionTokenLogprob:
    return ChatCompletionTokenLogprob.model_validate({
        "token": text, "logprob": logprob, "bytes": list(text.encode()),
        "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in ((text, logprob), *top)]})


def test_a_candidate_that_closes_the_string_must_name_a_whole_intent() -> None:
    content = router_content("pay")
    tokens = [_token(t, -0.1) for t in ['{"', "intent", '":', ' "']]
    tokens += [_token("pay", -0.3, (('pay"', -1.0), ("opt", -2.0), ('offers"', -2.2), ('of"', -3.0)))]
    tokens += [_token(t.text, t.logprob) for t in content_tokens(content[len('{"intent": "pay'):])]
    found = intent_probability(content, tokens, Intent.pay)
    assert found is not None and found.confidence == pytest.approx(math.exp(-0.3))
    assert [intent for intent, _ in found.alternatives] == [Intent.offers]  # "opt" fits two, "of" closes on nothing


def test_tokens_that_do_not_spell_the_reply_give_no_confidence() -> None:
    content = router_content("book")
    tokens = [_token("<0x7B>", -0.1), _token("intent", -0.1)]
    assert intent_probability(content, tokens, Intent.book) is None
    assert intent_probability(content, [_token('{"intent": "bo', -0.1)], Intent.book) is None  # stops short


async def test_without_logprobs_the_confidence_is_the_configured_fallback(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content=router_content("pay")), Reply(content=router_content("pay")))
    found = await routers().classify("GPay chalega?", CONTEXT)
    assert found.intent is Intent.pay and found.confidence == 0.5 and found.alternatives == ()
    cautious = routers(options=ChatRouterOptions(fallback_confidence=0.2))
    assert (await cautious.classify("GPay chalega?", CONTEXT)).confidence == 0.2


async def test_tokens_that_cannot_be_lined_up_fall_back_too(fake: FakeOpenAI, routers: RouterFactory) -> None:
    content = router_content("faq")
    fake.enqueue(Reply(content=content, tokens=[Token("token_id:1234", -0.01)] * 5))
    found = await routers().classify("timings?", CONTEXT)
    assert found.intent is Intent.faq and found.confidence == 0.5


# -- slots ---------------------------------------------------------------------------------------------------------

async def test_slots_come_back_without_the_nulls(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("book", date="2026-11-26", time="18:00", services=["haircut", "beard trim"],
                              staff="Ravi"))
    found = await routers().classify("kal shaam 6 baje Ravi se haircut aur beard trim", CONTEXT)
    assert found.slots == {"date": "2026-11-26", "time": "18:00", "services": ["haircut", "beard trim"],
                           "staff": "Ravi"}


async def test_slots_in_hindi_survive_the_round_trip(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("book", services=["फेशियल"], coupon="DIWALI20"))
    found = await routers().classify("फेशियल बुक करना है, कूपन DIWALI20", CONTEXT)
    assert found.slots == {"services": ["फेशियल"], "coupon": "DIWALI20"}
    assert found.confidence == pytest.approx(math.exp(-0.01))


async def test_slot_values_of_the_wrong_shape_are_dropped_and_the_intent_kept(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("book", date="26/11/2026", time="25:00", services="haircut", staff="  ",
                              coupon="50% OFF!!"))
    found = await routers().classify("book karo", CONTEXT)
    assert found.intent is Intent.book and found.slots == {}


async def test_a_date_that_does_not_exist_is_dropped_and_a_short_hour_is_padded(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("availability", date="2026-02-30", time="9:05", services=["", "facial", 3]))
    found = await routers().classify("30 feb 9:05 facial slot?", CONTEXT)
    assert found.slots == {"time": "09:05", "services": ["facial"]}


async def test_a_reply_whose_slots_are_not_an_object_keeps_the_intent(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content='{"intent": "thanks", "slots": "none"}'))
    found = await routers().classify("shukriya", CONTEXT)
    assert found.intent is Intent.thanks and found.slots == {}


# -- failures ------------------------------------------------------------------------------------------------------

async def test_an_unknown_intent_makes_the_router_unavailable(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("haircut_please"))
    with pytest.raises(RouterUnavailable, match="broke the schema \\(intent\\)"):
        await routers().classify("haircut", CONTEXT)


@pytest.mark.parametrize("content", ["Sure! The intent is book.", '{"intent": "book"', "", '["book"]'])
async def test_a_reply_that_is_not_the_json_object_makes_the_router_unavailable(
        fake: FakeOpenAI, routers: RouterFactory, content: str) -> None:
    fake.enqueue(Reply(content=content, tokens=content_tokens(content)))
    with pytest.raises(RouterUnavailable):
        await routers().classify("haircut", CONTEXT)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503])
async def test_an_http_error_makes_the_router_unavailable(
        fake: FakeOpenAI, routers: RouterFactory, status: int) -> None:
    fake.enqueue(Reply(status=status))
    with pytest.raises(RouterUnavailable, match=f"HTTP {status}"):
        await routers().classify("haircut", CONTEXT)


@pytest.mark.parametrize("content_type", ["application/json", "text/html"])
async def test_a_response_body_that_is_not_json_makes_the_router_unavailable(
        fake: FakeOpenAI, routers: RouterFactory, content_type: str) -> None:
    fake.enqueue(Reply(raw_body="<html>502 Bad Gateway</html>", content_type=content_type))
    with pytest.raises(RouterUnavailable):
        await routers().classify("haircut", CONTEXT)


async def test_a_slow_server_makes_the_router_unavailable(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content=router_content("book"), delay_s=1.0))
    with pytest.raises(RouterUnavailable, match="timed out"):
        await routers(timeout_s=0.2).classify("haircut", CONTEXT)


async def test_an_unreachable_server_makes_the_router_unavailable(routers: RouterFactory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RouterUnavailable, match="could not reach"):
        await routers(base_url=f"http://127.0.0.1:{port}/v1").classify("haircut", CONTEXT)


async def test_a_reply_cut_off_at_the_token_limit_makes_the_router_unavailable(
        fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content='{"intent": "book", "slots": {"date": "2026-', finish_reason="length"))
    with pytest.raises(RouterUnavailable, match="cut off"):
        await routers().classify("haircut", CONTEXT)


async def test_a_refusal_makes_the_router_unavailable(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content=None, refusal="I can't help with that."))
    with pytest.raises(RouterUnavailable, match="refused"):
        await routers().classify("something nasty", CONTEXT)


async def test_the_customer_text_never_appears_in_the_error(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(Reply(content="my number is 9876543210"))
    with pytest.raises(RouterUnavailable) as raised:
        await routers().classify("call me on 9876543210", CONTEXT)
    assert "9876543210" not in str(raised.value)


# -- as L3 ---------------------------------------------------------------------------------------------------------

async def test_the_same_router_serves_as_l3_on_an_openai_model(fake: FakeOpenAI, routers: RouterFactory) -> None:
    fake.enqueue(router_reply("complaint", intent_logprobs=[-0.02]))
    l3 = routers(model="gpt-4o", name="l3")
    assert isinstance(l3, Router) and l3.name == "l3" and l3.prompt_version == PROMPT_VERSION
    found = await l3.classify("stylist was very rude, not happy", CONTEXT)
    assert found.intent is Intent.complaint and found.model == "gpt-4o"
    assert fake.last_body["model"] == "gpt-4o" and found.confidence == pytest.approx(math.exp(-0.02))


async def test_a_router_can_be_built_from_an_endpoint(fake: FakeOpenAI) -> None:
    fake.enqueue(router_reply("greet"))
    router = ChatModelRouter.from_endpoint(ChatEndpoint(fake.base_url, MISTRAL, timeout_s=5), max_retries=0)
    try:
        assert (await router.classify("namaste", CONTEXT)).intent is Intent.greet
    finally:
        await router.aclose()
    assert router.name == "llm" and fake.requests[-1].headers["authorization"] == "Bearer EMPTY"


@pytest.mark.parametrize("bad", [{"default_timezone": "Nowhere/City"}, {"top_logprobs": 21},
                                 {"fallback_confidence": 1.5}, {"max_tokens": 0}])
def test_options_refuse_impossible_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ChatRouterOptions(**bad)
