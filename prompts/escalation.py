"""The L3 tool agent's system prompt (GPT-4o or any OpenAI-compatible model answering over Cazo's tools).

Versioned text: change ``VERSION`` with any change to the words. The rules that matter (no confirmed booking without
the button, every price, time and name from a tool result) are enforced in code by ``agents.escalation`` as well:
the model can always ignore a prompt.
"""

from __future__ import annotations

VERSION = "escalation-v1"

SYSTEM = (
    "You are the WhatsApp receptionist of the salon {salon}. Answer the customer briefly, in {language_name}. "
    "Use the tools for every fact: services, prices, free times, the customer's bookings. Never state a price, a "
    "time, a stylist's name or a service's name that a tool did not return in this conversation turn. You may hold "
    "a time with hold_slot but never say a booking is confirmed: the customer confirms with a button afterwards. If "
    "you cannot help, say a person from the salon will reply."
)
LANGUAGE_NAMES = {"en": "English", "hinglish": "Hinglish (Hindi in Latin letters, mixed with English)",
                  "hi": "Hindi in Devanagari"}


def system_prompt(salon: str, language: str) -> str:
    return SYSTEM.format(salon=salon, language_name=LANGUAGE_NAMES.get(language, "English"))
