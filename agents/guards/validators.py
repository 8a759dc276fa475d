"""The input guards as guardrails-ai validators: ``cazo/prompt_injection``, ``cazo/data_exfiltration``, ``cazo/abuse``.

Each finds its rules' hits on the folded message and fails with one ``ErrorSpan`` per edit (in the original text)
and a ``fix_value``: the message with the offending clauses removed (injection, exfiltration) or the abusive words
masked (abuse). So ``Guard().use(PromptInjection(on_fail=OnFailAction.FIX))`` hands on a message whose instructions
no longer read as instructions. Pass ``metadata={FOLDED_KEY: fold(text)}`` to fold a message once for all three.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.guards import abuse, exfiltration, injection
from agents.guards.offline import ErrorSpan, FailResult, PassResult, Validator, quiet, register_validator
from agents.guards.text import Action, Folded, Rule, apply_edits, find_hits, fold
from agents.guards.verdict import Flag

FOLDED_KEY = "cazo_folded"


class SpanValidator(Validator):  # type: ignore[misc]
    """A validator made of ``Rule`` s; subclasses set ``flag``, ``action`` and ``rules``."""

    flag: ClassVar[Flag]
    action: ClassVar[Action]
    rules: ClassVar[tuple[Rule, ...]]

    def __init__(self, on_fail: Any = None, **kwargs: Any) -> None:
        quiet()
        kwargs.setdefault("use_local", True)
        super().__init__(on_fail=on_fail, **kwargs)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> Any:
        text = value if isinstance(value, str) else str(value)
        folded = metadata.get(FOLDED_KEY)
        if not isinstance(folded, Folded) or folded.original != text:
            folded = fold(text)
        hits = find_hits(folded, self.rules)
        if not hits:
            return PassResult()
        reasons = list(dict.fromkeys(hit.reason for hit in hits))
        return FailResult(
            error_message=f"{self.flag}: {', '.join(reasons)}",
            fix_value=apply_edits(text, [(hit.start, hit.end, self.action) for hit in hits]),
            error_spans=[ErrorSpan(start=hit.start, end=hit.end, reason=hit.reason) for hit in hits],
        )


@register_validator(name="cazo/prompt_injection", data_type="string")
class PromptInjection(SpanValidator):
    """Instruction overrides, role reassignment, prompt extraction, jailbreaks, chat-template tags."""

    flag = "prompt_injection"
    action = "remove"
    rules = injection.RULES


@register_validator(name="cazo/data_exfiltration", data_type="string")
class DataExfiltration(SpanValidator):
    """Requests for other customers' data, a named person's contact details, or the database."""

    flag = "data_exfiltration"
    action = "remove"
    rules = exfiltration.RULES


@register_validator(name="cazo/abuse", data_type="string")
class Abuse(SpanValidator):
    """Profanity, slurs and threats (masked, so a complaint still reads as one)."""

    flag = "abuse"
    action = "mask"
    rules = abuse.RULES


VALIDATORS: tuple[type[SpanValidator], ...] = (PromptInjection, DataExfiltration, Abuse)
