"""Input guards: mark prompt injection, data exfiltration and abuse in an inbound message, and sanitise it.

    guard = InputGuard()                      # once per process: imports guardrails-ai (seconds), offline
    verdict = guard.check(message_text)       # about 0.1 ms; pure, thread-safe
    verdict.flags      # ("prompt_injection", "data_exfiltration", "abuse"), those that apply, in that order
    verdict.sanitised  # the message with injected instructions and data requests removed and abuse masked
    verdict.reasons    # one loggable line per flag (rule names, never the message)

A flagged message's instructions never reach a tool intact: pass ``sanitised`` on, and let the flags steer the
reply (refuse, warn, or escalate). The rules are deterministic regular expressions over a folded view of the text
(``text.py``), written per flag in ``injection.py``, ``exfiltration.py`` and ``abuse.py``, and run as guardrails-ai
validators (``validators.py``) configured to send nothing anywhere (``offline.py``). Importing this package does not
import guardrails; building an ``InputGuard`` does.
"""

from __future__ import annotations

from agents.guards.input_guard import InputGuard
from agents.guards.verdict import FLAGS, Flag, GuardVerdict

__all__ = ["FLAGS", "Flag", "GuardVerdict", "InputGuard"]
