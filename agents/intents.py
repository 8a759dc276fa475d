"""The intents Cazo understands, and the one result every tier (L1 rules, L2 router, L3 model) returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Language = Literal["en", "hi", "hinglish"]
Tier = Literal["L1", "L2", "L3"]


class Intent(StrEnum):
    """What a customer wants from one message. Running late, add-ons and the like map to the nearest one with slots."""

    greet = "greet"
    book = "book"
    availability = "availability"
    reschedule = "reschedule"
    cancel = "cancel"
    my_bookings = "my_bookings"
    catalog = "catalog"
    faq = "faq"
    offers = "offers"
    pay = "pay"
    human = "human"
    complaint = "complaint"
    opt_out = "opt_out"
    opt_in = "opt_in"
    affirm = "affirm"
    deny = "deny"
    thanks = "thanks"
    feedback = "feedback"
    out_of_scope = "out_of_scope"


@dataclass(frozen=True)
class Understanding:
    """One message understood: the intent, how sure, which tier decided, the reply language, and the slots found."""

    intent: Intent
    confidence: float
    tier: Tier
    language: Language
    slots: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    # False when no tier was sure enough (L2 below the threshold and no L3, or L3 unreachable): the intent is then
    # only the best guess, and the conversation must ask again or hand over rather than act on it.
    settled: bool = True
    # Input guard marks ("prompt_injection", "data_exfiltration", "abuse"; the tiers saw the sanitised text), then
    # the sentiment's ("angry", or "distressed" with "harm" when an injury is named: agents.sentiment).
    flags: tuple[str, ...] = ()
    # Why the message reads angry or distressed (the sentiment's reason, naming its cues); "" when it reads calm.
    sentiment: str = ""
