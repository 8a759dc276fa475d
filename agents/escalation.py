"""L3 for the conversation: a tool-calling agent (GPT-4o or any OpenAI-compatible model) over Cazo's typed tools.

Used when the rules and flows cannot answer (an unsettled message). The model sees only the read-only tools plus
``hold_slot``: it can look things up and hold a time, never confirm, cancel or move; those still go through the
conversation's confirmation step. Who the customer is comes from the ``ToolContext``, never from the model.

Before a reply goes out it is checked: every price (₹...) and clock time in it, and every name of the salon's staff
and services it uses (whole words, any case, a stylist's first name or a service's alias included), must appear in a
tool result of this turn. A reply that fails the check, a model that fails, or one that runs out of steps gives
``None``, and the conversation falls back to a safe reply (ask again, or a person). Tokens and an estimated cost are
counted per turn.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openai import AsyncOpenAI, OpenAIError

from agents.normalise import normalise, romanise
from agents.slots.catalog import CatalogIndex, words
from prompts.escalation import system_prompt
from tools.base import Tool, ToolError, call_tool
from tools.bookings import hold_slot
from tools.context import ToolContext
from tools.registry import read_only_tools

_PRICE = re.compile(r"₹\s?[\d,]+(?:\.\d{1,2})?")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")

log = logging.getLogger(__name__)


def _view(text: str) -> str:
    """Text as space-padded matching words (Devanagari romanised, case and apostrophes dropped), so a name is
    found as a whole word by a plain substring test: " rahul " is in " ask rahul kapoor " but not " rahuls "."""
    return " " + " ".join(words(romanise(normalise(text).text))) + " "


@dataclass(frozen=True)
class SalonNames:
    """The words a reply may name one salon's staff and services by: a stylist's full and first name, a service's
    name and aliases. ``forms`` maps each such phrase (as ``_view`` gives it) to the people or services it names."""

    forms: Mapping[str, frozenset[str]]
    of: Mapping[str, frozenset[str]]  # each person or service -> all its phrases

    @classmethod
    def from_catalog(cls, catalog: CatalogIndex) -> SalonNames:
        spellings: dict[str, set[str]] = {}
        for staff_id, name in catalog.staff:
            full = _view(name)
            spellings[f"staff:{staff_id}"] = {full, " " + full.split()[0] + " "} if full.strip() else set()
        for service_id, name, aliases in catalog.services:
            spellings[f"service:{service_id}"] = {_view(spelling) for spelling in (name, *aliases)}
        forms: dict[str, set[str]] = {}
        for key, phrases in spellings.items():
            for phrase in phrases:
                if phrase.strip():
                    forms.setdefault(phrase, set()).add(key)
        return cls({phrase: frozenset(keys) for phrase, keys in forms.items()},
                   {key: frozenset(p for p in phrases if p.strip()) for key, phrases in spellings.items()})

    def named(self, view: str) -> list[frozenset[str]]:
        """Who or what each name in ``view`` names, the longest name first where names overlap: "foot spa" (an
        alias of Pedicure) is not also "spa" (an alias of Hair spa)."""
        spans: list[tuple[int, int, frozenset[str]]] = []
        for phrase, keys in self.forms.items():
            start = view.find(phrase)
            while start != -1:
                spans.append((start, start + len(phrase), keys))
                start = view.find(phrase, start + 1)
        kept: list[tuple[int, int, frozenset[str]]] = []
        for start, end, keys in sorted(spans, key=lambda span: span[0] - span[1]):
            if not any(outer_start <= start and end <= outer_end for outer_start, outer_end, _ in kept):
                kept.append((start, end, keys))
        return [keys for _, _, keys in kept]

    def shown(self, keys: frozenset[str], view: str) -> bool:
        """Whether ``view`` names any of these people or services, by any of their names."""
        return any(phrase in view for key in keys for phrase in self.of[key])


@dataclass(frozen=True)
class AgentReply:
    text: str
    tools_called: tuple[str, ...]
    held_booking_id: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass
class ToolAgent:
    client: AsyncOpenAI
    model: str
    max_steps: int = 4
    usd_per_1k_prompt: float = 0.0025  # GPT-4o list prices; set for another model
    usd_per_1k_completion: float = 0.01
    tools: tuple[Tool[Any, Any], ...] = field(default_factory=lambda: (*read_only_tools(), hold_slot))
    last_usage: tuple[int, int] = (0, 0)

    def _schemas(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {"name": tool.name, "description": tool.description,
                                                  "parameters": tool.input_model.model_json_schema()}}
                for tool in self.tools]

    async def run(self, ctx: ToolContext, text: str, *, salon: str, language: str,
                  history: list[dict[str, str]] | None = None,
                  catalog: CatalogIndex | None = None) -> AgentReply | None:
        """The agent's checked reply to ``text``, or None (model failure, no answer, or an ungrounded claim).
        ``catalog``: the salon's services and staff, whose names the reply may use only as its tools returned them
        this turn (None: names are not checked, only prices and times)."""
        by_name = {tool.name: tool for tool in self.tools}
        names = SalonNames.from_catalog(catalog) if catalog is not None else None
        messages: list[dict[str, Any]] = [{"role": "system",
                                                  "content": system_prompt(salon, language)}]
        for line in history or []:
            messages.append({"role": "user" if line.get("from") == "customer" else "assistant",
                             "content": line.get("text", "")})
        messages.append({"role": "user", "content": text})
        evidence: list[str] = []
        called: list[str] = []
        held: str | None = None
        prompt_tokens = completion_tokens = 0
        for _ in range(self.max_steps):
            try:
                response = await self.client.chat.completions.create(
                    model=self.model, messages=messages, tools=self._schemas(),  # type: ignore[arg-type]
                    temperature=0)
            except OpenAIError:
                return None
            if response.usage is not None:
                prompt_tokens += response.usage.prompt_tokens
                completion_tokens += response.usage.completion_tokens
            if not response.choices:
                return None
            message = response.choices[0].message
            calls = message.tool_calls or []
            if not calls:
                reply = (message.content or "").strip()
                self.last_usage = (prompt_tokens, completion_tokens)
                if not reply:
                    return None
                missing = ungrounded(reply, evidence, names)
                if missing:
                    log.warning("L3 reply not grounded in this turn's tool results", extra={"claims": missing})
                    return None
                cost = (prompt_tokens * self.usd_per_1k_prompt + completion_tokens * self.usd_per_1k_completion) / 1000
                return AgentReply(reply, tuple(called), held, prompt_tokens, completion_tokens, round(cost, 6))
            messages.append({"role": "assistant", "content": message.content or "",
                             "tool_calls": [{"id": c.id, "type": "function",
                                             "function": {"name": c.function.name,  # type: ignore[union-attr]
                                                          "arguments": c.function.arguments}}  # type: ignore[union-attr]
                                            for c in calls]})
            for call in calls:
                name = call.function.name  # type: ignore[union-attr]
                tool = by_name.get(name)
                if tool is None:
                    result_text = json.dumps({"error": "unknown_tool", "message": f"No tool named {name}."})
                else:
                    try:
                        arguments = json.loads(call.function.arguments or "{}")  # type: ignore[union-attr]
                        result = await call_tool(tool, ctx, arguments)
                    except (ValueError, TypeError) as exc:
                        result_text = json.dumps({"error": "bad_arguments", "message": str(exc)[:300]})
                    else:
                        called.append(name)
                        result_text = json.dumps(result.model_dump(mode="json"), ensure_ascii=False)
                        if name == hold_slot.name and not isinstance(result, ToolError):
                            held = str(result.id)
                evidence.append(result_text)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result_text})
        return None


def grounded(reply: str, evidence: list[str], names: SalonNames | None = None) -> bool:
    """Every price, clock time and staff or service name in ``reply`` appears in this turn's tool results."""
    return not ungrounded(reply, evidence, names)


def ungrounded(reply: str, evidence: list[str], names: SalonNames | None = None) -> list[str]:
    """What ``reply`` claims that no tool result of this turn shows, by kind ("price", "time", "staff", "service"):
    empty when everything is grounded. A name counts as shown when the results name the same person or service in
    any of its forms ("Imran" in the reply, "Imran Khan" in a result)."""
    found = "\n".join(evidence)
    missing: list[str] = []
    prices_found = re.sub(r"[,\s]", "", found)
    if any(re.sub(r"[,\s]", "", price) not in prices_found for price in _PRICE.findall(reply)):
        missing.append("price")  # "₹1,200" must be a "₹1,200" a tool gave
    if any(not any(f"{h}:{minute}" in found for h in {hour, hour.zfill(2), str(int(hour) + 12)})
           for hour, minute in _TIME.findall(reply)):
        missing.append("time")
    if names is not None:
        shown = _view(found)
        for keys in names.named(_view(reply)):
            if not names.shown(keys, shown):
                kind = "staff" if any(key.startswith("staff:") for key in keys) else "service"
                if kind not in missing:
                    missing.append(kind)
    return missing
