"""``InputGuard``: the three validators over one inbound message, giving a ``GuardVerdict``.

By default ``check`` calls each validator's public ``Validator.validate(value, metadata)``, the call guardrails'
own validator services make, on the original message, and builds the sanitised text from the union of their
error spans. ``through_guard=True`` runs the same validators through ``Guard.validate`` instead (on_fail NOOP,
verdict read from ``validation_summaries``): identical verdicts, about 1 ms more per message (the runner builds a
call log, converts the schema to RAIL XML and validates it as JSON Schema on every call), which is half the L1
budget, hence not the default. Every validator sees the original message, so one message can carry several flags
even where one removal would have covered the other.
"""

from __future__ import annotations

from typing import Any

from agents.guards.text import Action, apply_edits, fold
from agents.guards.verdict import FLAGS, Flag, GuardVerdict


class InputGuard:
    """Build once (imports and configures guardrails-ai: seconds, the first time), then ``check`` every message."""

    def __init__(self, *, through_guard: bool = False) -> None:
        from agents.guards.offline import FailResult, OnFailAction, quiet_guard
        from agents.guards.validators import FOLDED_KEY, VALIDATORS

        self._fail_result: type[Any] = FailResult
        self._folded_key = FOLDED_KEY
        self._validators = tuple(cls(on_fail=OnFailAction.NOOP) for cls in VALIDATORS)
        self._guard = quiet_guard(*self._validators, name="cazo-input-guard")
        self._by_name: dict[str, tuple[Flag, Action]] = {
            type(validator).__name__: (validator.flag, validator.action) for validator in self._validators
        }
        self._through_guard = through_guard

    def check(self, text: str) -> GuardVerdict:
        """Flags, sanitised text and reasons for one message."""
        metadata = {self._folded_key: fold(text)}
        failures = self._through_guard_runner(text, metadata) if self._through_guard else self._direct(text, metadata)
        if not failures:
            return GuardVerdict(flags=(), sanitised=text, reasons=())
        edits = [(start, end, action) for flag, action, _, spans in failures for start, end in spans]
        found = {flag: reason for flag, _, reason, _ in failures}
        flags = tuple(flag for flag in FLAGS if flag in found)
        return GuardVerdict(flags=flags, sanitised=apply_edits(text, edits), reasons=tuple(found[f] for f in flags))

    def _direct(self, text: str, metadata: dict[str, Any]) -> list[tuple[Flag, Action, str, list[tuple[int, int]]]]:
        failures = []
        for validator in self._validators:
            result = validator.validate(text, metadata)
            if isinstance(result, self._fail_result):
                spans = [(span.start, span.end) for span in result.error_spans or ()]
                failures.append((validator.flag, validator.action, str(result.error_message), spans))
        return failures

    def _through_guard_runner(
        self, text: str, metadata: dict[str, Any]
    ) -> list[tuple[Flag, Action, str, list[tuple[int, int]]]]:
        outcome = self._guard.validate(text, metadata=metadata)
        failures = []
        for summary in outcome.validation_summaries or ():
            if summary.validator_status != "fail":
                continue
            flag, action = self._by_name[summary.validator_name]
            spans = [(span.start, span.end) for span in summary.error_spans or ()]
            failures.append((flag, action, str(summary.failure_reason), spans))
        return failures
