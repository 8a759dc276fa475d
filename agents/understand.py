"""Understanding one customer message: guard, L1 rules, L2 router, L3 fallback, then the slots.

The order, for a message typed by the customer:

1. Normalise it and detect its language (kept for the reply).
2. Guard it: prompt injection, requests for other people's data and abuse are marked (``flags``); the tiers below
   only ever see the sanitised text, with any injected instruction removed. Read its sentiment (``agents.sentiment``):
   an angry or distressed customer is flagged too ("angry", "distressed", "harm"), with the reason in ``sentiment``,
   so the conversation can hand over whatever the intent.
3. L1 rules (``agents.rules``): interactive replies, STOP/START, yes/no to a pending question, menu numbers,
   greetings, thanks, FAQ keywords. Certain, microseconds.
4. L2 router (embedding classifier or a small LLM): settled when its confidence reaches the threshold (0.85).
5. L3 (a large model) when L2 is below the threshold or unavailable. With no L3 configured, or L3 failing, the result
   is *unsettled*: it carries L2's best guess and says why, and the conversation asks again or hands over.

Slots are read deterministically from the text (dates, times, services, staff, coupon); a model's slots fill only
what the parsers did not find, and are marked ``*_source = "model"``.
"""

from __future__ import annotations

import logging
import time as timer
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from agents.intents import Intent, Language, Tier, Understanding
from agents.normalise import normalise
from agents.routers.base import Classification, Router, RouterContext, RouterUnavailable
from agents.rules import RuleContext, match_payload, match_rules
from agents.sentiment import Sentiment, detect_sentiment
from agents.slots.catalog import CatalogIndex
from agents.slots.dates import extract_date
from agents.slots.delay import extract_delay
from agents.slots.times import extract_time

log = logging.getLogger(__name__)

DEFAULT_OPENING = (time(10, 0), time(21, 0))
DEFAULT_ZONE = ZoneInfo("Asia/Kolkata")


class GuardResult(Protocol):
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def sanitised(self) -> str: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class Guard(Protocol):
    def check(self, text: str) -> GuardResult: ...


@dataclass(frozen=True)
class TurnContext:
    """Everything besides the text: when and where (relative dates), the salon's catalog, and what the conversation
    is waiting for. ``hours`` maps weekday (Monday 0) to opening and closing time; a bare "5" is read inside them."""

    now: datetime
    zone: ZoneInfo = DEFAULT_ZONE
    hours: Mapping[int, tuple[time, time]] = field(default_factory=dict)
    catalog: CatalogIndex | None = None
    pending_confirmation: bool = False
    menu: tuple[str, ...] | None = None
    last_intent: Intent | None = None

    def opening(self, day: date) -> tuple[time, time]:
        return self.hours.get(day.weekday(), DEFAULT_OPENING)


@dataclass(frozen=True)
class Timed:
    """An understanding and how long it took, in milliseconds."""

    understanding: Understanding
    latency_ms: float


@dataclass
class Understander:
    """The pipeline. ``router`` is L2 (None: rules only), ``escalation`` is L3 (None: not configured); ``sentiment``
    reads anger and distress (None: not read)."""

    router: Router | None = None
    escalation: Router | None = None
    guard: Guard | None = None
    threshold: float = 0.85
    sentiment: Callable[[str], Sentiment] | None = detect_sentiment

    async def understand(self, text: str, context: TurnContext, *, payload: str | None = None) -> Understanding:
        if payload:
            found = match_payload(payload, normalise(text).language if text else "en")
            if found is not None:
                return found
        norm = normalise(text)
        language = norm.language
        flags: tuple[str, ...] = ()
        reasons: tuple[str, ...] = ()
        working = text
        if self.guard is not None:
            verdict = self.guard.check(text)
            flags, reasons, working = verdict.flags, verdict.reasons, verdict.sanitised
            if flags:
                log.warning("input guard flagged a message", extra={"flags": list(flags)})
        left = normalise(working) if flags else None
        mood = self.sentiment(text) if self.sentiment is not None else None
        if mood is not None and mood.flags:
            flags += mood.flags
            log.info("message reads upset", extra={"sentiment": mood.label})
        upset = mood.reason if mood is not None and mood.flags else ""
        if left is not None and not left.text and not left.emoji_intent:
            return Understanding(intent=Intent.out_of_scope, confidence=1.0, tier="L1", language=language,
                                 slots=self.slots(working, context), settled=True, flags=flags, sentiment=upset,
                                 reason="guard: nothing left once the flagged part was removed ("
                                        + "; ".join(reasons) + ")")
        found = match_rules(working, RuleContext(pending_confirmation=context.pending_confirmation,
                                                 menu=context.menu))
        if found is not None:
            return replace(found, slots={**self.slots(working, context), **found.slots}, flags=flags,
                           sentiment=upset)
        return replace(await self._models(working, language, context, flags), sentiment=upset)

    async def _models(self, text: str, language: Language, context: TurnContext,
                      flags: tuple[str, ...]) -> Understanding:
        router_context = RouterContext(
            language=language, pending_confirmation=context.pending_confirmation, last_intent=context.last_intent,
            service_names=context.catalog.service_names if context.catalog else (),
            staff_names=context.catalog.staff_names if context.catalog else (), now=context.now,
            zone=str(context.zone))
        guess: Classification | None = None
        why = ""
        if self.router is not None:
            try:
                guess = await self.router.classify(text, router_context)
            except RouterUnavailable as exc:
                why = f"L2 {self.router.name} unavailable: {exc}"
                log.warning("L2 router unavailable", extra={"router": self.router.name, "error": str(exc)})
            else:
                if guess.confidence >= self.threshold:
                    return self._result(guess, "L2", language, text, context, flags,
                                        f"L2 {self.router.name} {guess.confidence:.2f} >= {self.threshold:.2f}")
                why = f"L2 {self.router.name} {guess.confidence:.2f} < {self.threshold:.2f}"
        else:
            why = "no L2 router configured"
        if self.escalation is not None:
            try:
                answer = await self.escalation.classify(text, router_context)
            except RouterUnavailable as exc:
                why += f"; L3 {self.escalation.name} unavailable: {exc}"
                log.warning("L3 unavailable", extra={"router": self.escalation.name, "error": str(exc)})
            else:
                return self._result(answer, "L3", language, text, context, flags, f"{why}; L3 {answer.model}")
        else:
            why += "; no L3 configured"
        if guess is None:
            return Understanding(intent=Intent.out_of_scope, confidence=0.0, tier="L2", language=language,
                                 slots=self.slots(text, context), reason=why, settled=False, flags=flags)
        return self._result(guess, "L2", language, text, context, flags, why, settled=False)

    def _result(self, guess: Classification, tier: Tier, language: Language, text: str, context: TurnContext,
                flags: tuple[str, ...], reason: str, *, settled: bool = True) -> Understanding:
        slots = self.slots(text, context, model=guess.slots)
        if guess.alternatives:
            slots["alternatives"] = [{"intent": i.value, "confidence": round(c, 4)} for i, c in guess.alternatives]
        return Understanding(intent=guess.intent, confidence=guess.confidence, tier=tier, language=language,
                             slots=slots, reason=reason, settled=settled, flags=flags)

    def slots(self, text: str, context: TurnContext, *, model: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Date, time, services, staff and coupon in the message; the model's reading only where ours found none."""
        return extract_slots(text, context, model=model)


def extract_slots(text: str, context: TurnContext, *, model: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The deterministic slot readers, with a model's slots as a fallback. Keys are always present."""
    now = context.now.astimezone(context.zone)
    slots: dict[str, Any] = {"date": None, "time": None, "services": [], "staff": None, "coupon": None}
    day = extract_date(text, now, context.zone)
    if day is not None:
        slots["date"] = day.value.isoformat()
        if day.ambiguous:
            slots["date_ambiguous"] = True
    moment = extract_time(text, opening=context.opening(day.value if day else now.date()))
    if moment is not None:
        slots["time"] = moment.value.strftime("%H:%M")
        if moment.ambiguous:
            slots["time_ambiguous"] = True
    delay = extract_delay(text)
    if delay is not None:
        slots["delay_min"] = delay  # "running 20 mins late"
    catalog = context.catalog
    if catalog is not None:
        slots["services"] = [m.as_dict() for m in catalog.match_services(text)]
        staff = catalog.match_staff(text)
        slots["staff"] = staff.as_dict() if staff else None
        slots["coupon"] = catalog.match_coupon(text)
    if model:
        for key in ("date", "time", "coupon"):
            if slots[key] is None and model.get(key):
                slots[key], slots[f"{key}_source"] = model[key], "model"
        if catalog is not None and not slots["services"] and model.get("services"):
            slots["services"] = [m.as_dict() for m in catalog.match_services(" , ".join(model["services"]))]
            if slots["services"]:
                slots["services_source"] = "model"
        if catalog is not None and slots["staff"] is None and model.get("staff"):
            staff = catalog.match_staff(str(model["staff"]))
            if staff is not None:
                slots["staff"], slots["staff_source"] = staff.as_dict(), "model"
    return slots


async def understand_timed(understander: Understander, text: str, context: TurnContext,
                           payload: str | None = None) -> Timed:
    started = timer.perf_counter()
    found = await understander.understand(text, context, payload=payload)
    return Timed(found, (timer.perf_counter() - started) * 1000)
