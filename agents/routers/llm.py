"""A router backed by a chat model behind an OpenAI-compatible API: L2 (Mistral-7B on vLLM) or L3 (GPT-4o).

The model must answer with one JSON object, ``{"intent": ..., "slots": {...}}``, enforced by structured output
(``response_format`` of type ``json_schema``, which OpenAI and vLLM >= 0.6 both accept). The intent comes first in
the schema, so it is generated right after the prompt, before any slot text.

Confidence comes from the token log-probabilities of the reply: the tokens that spell the intent value are found in
the returned JSON, and the confidence is ``exp(sum of their logprobs)``, the model's probability of that whole value
given the prefix ``{"intent": "``. The first token usually decides it: once the text so far fits one intent name
only, the grammar leaves one way to finish it. vLLM by default returns *raw* logprobs (before the grammar mask), so
tokens the schema forbids keep some mass and the figure is, if anything, an underestimate of the constrained
probability: conservative for a threshold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam, ChatCompletionTokenLogprob
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents.intents import Intent
from agents.routers.base import Classification, RouterContext, RouterUnavailable
from domain.clock import Clock, SystemClock
from prompts.router import PROMPT_VERSION, SYSTEM_PROMPT, render_user_message
from serving.openai_compat import ChatEndpoint, make_async_client

SCHEMA_NAME = "intent_and_slots"
_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}

# Strict-mode JSON schema (OpenAI's rules: every property required, no additional properties; null for "not said").
ROUTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [intent.value for intent in Intent]},
        "slots": {
            "type": "object",
            "properties": {
                "date": {**_NULLABLE_STRING, "description": "YYYY-MM-DD"},
                "time": {**_NULLABLE_STRING, "description": "HH:MM, 24-hour clock"},
                "services": {"type": ["array", "null"], "items": {"type": "string"}},
                "staff": {**_NULLABLE_STRING, "description": "stylist's first name"},
                "coupon": {**_NULLABLE_STRING, "description": "coupon code as written"},
            },
            "required": ["date", "time", "services", "staff", "coupon"],
            "additionalProperties": False,
        },
    },
    "required": ["intent", "slots"],
    "additionalProperties": False,
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_COUPON = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,31}")
_INTENT_VALUES = frozenset(intent.value for intent in Intent)
_MAX_SERVICES = 10
_MAX_NAME_LENGTH = 80


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_NAME_LENGTH:
        return None
    return value.strip()


class ReplySlots(BaseModel):
    """The slots a model returned. A value of the wrong type or format becomes ``None``: a bad slot is dropped, the
    intent still stands (the deterministic extractors get the first say on slots anyway)."""

    model_config = ConfigDict(extra="ignore")

    date: str | None = None
    time: str | None = None
    services: list[str] | None = None
    staff: str | None = None
    coupon: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> str | None:
        if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
            return None
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None

    @field_validator("time", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> str | None:
        match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            return None
        return f"{int(match[1]):02d}:{match[2]}"

    @field_validator("services", mode="before")
    @classmethod
    def _service_names(cls, value: Any) -> list[str] | None:
        if not isinstance(value, list):
            return None
        names = [name for name in (_text(item) for item in value) if name is not None]
        return names[:_MAX_SERVICES] or None

    @field_validator("staff", mode="before")
    @classmethod
    def _staff_name(cls, value: Any) -> str | None:
        return _text(value)

    @field_validator("coupon", mode="before")
    @classmethod
    def _coupon_code(cls, value: Any) -> str | None:
        return value.strip() if isinstance(value, str) and _COUPON.fullmatch(value.strip()) else None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class RouterReply(BaseModel):
    """The JSON object the model must return. An unknown intent fails validation; odd slots are only dropped."""

    model_config = ConfigDict(extra="ignore")

    intent: Intent
    slots: ReplySlots = Field(default_factory=ReplySlots)

    @field_validator("slots", mode="before")
    @classmethod
    def _object_or_empty(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class IntentProbability:
    """What the logprobs say about the intent: its probability and the other intents seen at its first token."""

    confidence: float
    alternatives: tuple[tuple[Intent, float], ...]


def _squeeze(text: str) -> str:
    # Servers disagree on whitespace in token text (a SentencePiece "▁", a space dropped when a token is decoded
    # alone); the intent value holds none, so aligning tokens to the reply with all whitespace removed is safe.
    return "".join(ch for ch in text if not ch.isspace() and ch != "\u2581")


def _intent_for_prefix(prefix: str) -> Intent | None:
    """The one intent a candidate token's text can start (``"can`` -> cancel), or None when it fits none or many."""
    if '"' in prefix:
        whole = prefix.split('"', 1)[0]
        return Intent(whole) if whole in _INTENT_VALUES else None
    if not prefix:
        return None
    matches = [intent for intent in Intent if intent.value.startswith(prefix)]
    return matches[0] if len(matches) == 1 else None


def intent_probability(content: str, tokens: Sequence[ChatCompletionTokenLogprob],
                       intent: Intent) -> IntentProbability | None:
    """The probability of ``intent`` from the reply's token logprobs, or None when the tokens cannot be lined up.

    The tokens covering the characters of the intent value (in ``"intent": "<value>"``) are found by walking the
    token texts along the reply; confidence is ``exp(sum of their logprobs)``. Alternatives come from the
    ``top_logprobs`` of the first of those tokens: each candidate whose text continues the same JSON prefix and then
    starts exactly one intent name counts for that intent (summed when several do), best first, the chosen intent
    left out. They are first-token probabilities, an upper bound for each alternative.
    """
    squeezed = _squeeze(content)
    match = re.search(r'"intent":"([^"\\]*)"', squeezed)
    if match is None or match[1] != intent.value:
        return None
    value_start, value_end = match.span(1)
    covering: list[tuple[ChatCompletionTokenLogprob, int]] = []
    position = 0
    for token in tokens:
        piece = _squeeze(token.token)
        if squeezed[position:position + len(piece)] != piece:
            return None
        if piece and position < value_end and position + len(piece) > value_start:
            covering.append((token, position))
        position += len(piece)
        if position >= value_end:
            break
    if position < value_end or not covering:
        return None
    total = sum(token.logprob for token, _ in covering)
    confidence = math.exp(min(total, 0.0)) if math.isfinite(total) else 0.0  # a logprob above 0 is a server bug

    first, first_start = covering[0]
    lead = squeezed[first_start:value_start]  # e.g. the opening quote, when the token carries it
    seen: dict[Intent, float] = {}
    for candidate in first.top_logprobs:
        text = _squeeze(candidate.token)
        if not text.startswith(lead) or not math.isfinite(candidate.logprob):
            continue
        other = _intent_for_prefix(text[len(lead):])
        if other is not None and other is not intent:
            seen[other] = seen.get(other, 0.0) + math.exp(min(candidate.logprob, 0.0))
    alternatives = tuple(sorted(((other, min(1.0, p)) for other, p in seen.items()), key=lambda item: -item[1]))
    return IntentProbability(confidence=confidence, alternatives=alternatives)


@dataclass(frozen=True, slots=True)
class ChatRouterOptions:
    """How a :class:`ChatModelRouter` asks.

    ``fallback_confidence`` is used when the server returns no logprobs (some OpenAI-compatible servers do not): keep
    it below the router threshold (0.85 by default) so that an answer without logprobs is never silently trusted.
    ``default_timezone`` is used only when ``RouterContext.zone`` is not a known zone. ``extra_body`` passes
    server-specific fields (vLLM's ``structured_outputs``, ``top_k``) through unchanged.
    """

    default_timezone: str = "Asia/Kolkata"
    top_logprobs: int = 5
    max_tokens: int = 200
    fallback_confidence: float = 0.5
    request_logprobs: bool = True
    extra_body: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {self.default_timezone!r}") from exc
        if not 0 <= self.top_logprobs <= 20:
            raise ValueError("top_logprobs must be between 0 and 20 (OpenAI's limit, vLLM's default --max-logprobs)")
        if not 0.0 <= self.fallback_confidence <= 1.0:
            raise ValueError("fallback_confidence is a probability")
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be positive")


def _unavailable(exc: Exception, model: str) -> RouterUnavailable:
    """Our error for the openai client's: the message names the failure, never the customer's text."""
    if isinstance(exc, openai.APITimeoutError):
        return RouterUnavailable(f"{model}: the model server timed out")
    if isinstance(exc, openai.APIConnectionError):
        return RouterUnavailable(f"{model}: could not reach the model server ({exc.__cause__ or exc})")
    if isinstance(exc, openai.APIStatusError):
        return RouterUnavailable(f"{model}: the model server answered HTTP {exc.status_code}")
    if isinstance(exc, openai.OpenAIError):
        return RouterUnavailable(f"{model}: {type(exc).__name__}: {exc}")
    return RouterUnavailable(f"{model}: the model server's response was not valid JSON ({type(exc).__name__})")


class ChatModelRouter:
    """Classifies a message with a chat model; the same class serves L2 (``name="llm"``) and L3 (``name="l3"``).

    Raises :class:`RouterUnavailable` when the server cannot be reached, times out, answers an HTTP error, or returns
    something that is not the JSON the schema asks for (an unknown intent included). Slots of the wrong format are
    dropped, not fatal. Without logprobs in the reply, confidence is ``options.fallback_confidence``.
    """

    def __init__(self, client: AsyncOpenAI, model: str, *, name: str = "llm",
                 options: ChatRouterOptions | None = None, clock: Clock | None = None) -> None:
        self.name = name
        self.model = model
        self.options = options or ChatRouterOptions()
        self.prompt_version = PROMPT_VERSION
        self._client = client
        self._clock: Clock = clock or SystemClock()
        self._zone = ZoneInfo(self.options.default_timezone)

    @classmethod
    def from_endpoint(cls, endpoint: ChatEndpoint, *, name: str = "llm", options: ChatRouterOptions | None = None,
                      clock: Clock | None = None, max_retries: int = 1) -> ChatModelRouter:
        """A router with its own client for ``endpoint`` (the composition root's usual way in)."""
        return cls(make_async_client(endpoint, max_retries=max_retries), endpoint.model, name=name, options=options,
                   clock=clock)

    async def aclose(self) -> None:
        """Close the HTTP client (its connection pool); the router cannot be used afterwards."""
        await self._client.close()

    def messages(self, text: str, context: RouterContext) -> list[ChatCompletionMessageParam]:
        """The system prompt and the user turn for ``text`` (public so evals can log exactly what was sent).

        Dates resolve against ``context.now`` (the router's clock when the context has none) in ``context.zone``.
        """
        zone, zone_name = self._zone, self.options.default_timezone
        with suppress(ZoneInfoNotFoundError, ValueError):
            zone, zone_name = ZoneInfo(context.zone), context.zone
        now = context.now or self._clock.now()
        if now.tzinfo is None:  # a naive instant is taken as UTC, like everything stored
            now = now.replace(tzinfo=UTC)
        user = render_user_message(
            text, now_local=now.astimezone(zone), timezone=zone_name, language=context.language,
            pending_confirmation=context.pending_confirmation,
            last_intent=context.last_intent.value if context.last_intent else None,
            service_names=context.service_names, staff_names=context.staff_names)
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    async def classify(self, text: str, context: RouterContext) -> Classification:
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": ROUTER_SCHEMA},
        }
        logprobs = self.options.request_logprobs
        try:
            completion = await self._client.chat.completions.create(
                model=self.model,
                messages=self.messages(text, context),
                response_format=response_format,
                temperature=0,
                max_tokens=self.options.max_tokens,
                logprobs=logprobs,
                top_logprobs=self.options.top_logprobs if logprobs else None,
                extra_body=dict(self.options.extra_body) or None,
            )
        except (openai.OpenAIError, ValueError) as exc:  # ValueError: a 200 whose body is not JSON
            raise _unavailable(exc, self.model) from exc
        return self._read(completion)

    def _read(self, completion: object) -> Classification:
        if not isinstance(completion, ChatCompletion):
            raise RouterUnavailable(f"{self.model}: the server did not return a chat completion")
        if not completion.choices:
            raise RouterUnavailable(f"{self.model}: the reply had no choices")
        choice = completion.choices[0]
        if choice.message.refusal:
            raise RouterUnavailable(f"{self.model}: the model refused to answer")
        if choice.finish_reason == "length":
            raise RouterUnavailable(f"{self.model}: the reply was cut off at {self.options.max_tokens} tokens")
        content = choice.message.content
        if not content:
            raise RouterUnavailable(f"{self.model}: the reply was empty")
        try:
            reply = RouterReply.model_validate(json.loads(content))
        except json.JSONDecodeError as exc:
            raise RouterUnavailable(f"{self.model}: the reply was not JSON") from exc
        except ValidationError as exc:
            fields = ", ".join(".".join(str(part) for part in error["loc"]) for error in exc.errors())
            fields = fields or "not an object"
            raise RouterUnavailable(f"{self.model}: the reply broke the schema ({fields})") from exc

        tokens = choice.logprobs.content if choice.logprobs is not None else None
        measured = intent_probability(content, tokens, reply.intent) if tokens else None
        return Classification(
            intent=reply.intent,
            confidence=measured.confidence if measured else self.options.fallback_confidence,
            alternatives=measured.alternatives if measured else (),
            slots=reply.slots.as_dict(),
            model=completion.model or self.model,
        )
