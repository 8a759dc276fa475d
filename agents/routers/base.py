"""The one protocol every model tier speaks: ``classify(text, context)`` returns an intent with a confidence.

L2 (the embedding classifier on a CPU, or a small model through vLLM) and L3 (a large model) both implement
:class:`Router`, so the pipeline in ``agents.understand`` can put any of them at either tier. A router that cannot
answer (server down, malformed reply, timeout) raises :class:`RouterUnavailable`; it never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agents.intents import Intent, Language


@dataclass(frozen=True, slots=True)
class RouterContext:
    """What a router may know besides the text: the reply language and what the conversation is waiting for."""

    language: Language = "en"
    pending_confirmation: bool = False
    last_intent: Intent | None = None
    service_names: tuple[str, ...] = ()
    staff_names: tuple[str, ...] = ()
    now: datetime | None = None  # what relative dates resolve against, for routers that extract slots
    zone: str = "Asia/Kolkata"  # the branch's IANA time zone


@dataclass(frozen=True, slots=True)
class Classification:
    """A router's answer. ``confidence`` is a probability in [0, 1]; ``slots`` holds what a model extracted
    (keys ``date`` YYYY-MM-DD, ``time`` HH:MM, ``services`` list of names, ``staff`` name, ``coupon`` code), which the
    pipeline uses only where the deterministic extractors found nothing."""

    intent: Intent
    confidence: float
    alternatives: tuple[tuple[Intent, float], ...] = ()
    slots: dict[str, Any] = field(default_factory=dict)
    model: str = ""


class RouterUnavailable(RuntimeError):
    """The router could not give an answer (unreachable server, timeout, a reply that breaks the schema)."""


@runtime_checkable
class Router(Protocol):
    """Anything that classifies a message into one of the intents."""

    name: str

    async def classify(self, text: str, context: RouterContext) -> Classification: ...
