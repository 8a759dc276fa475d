"""L3 for the conversation: a tool-calling agent (GPT-4o or any OpenAI-compatible model) over Cazo's typed tools.

Used when the rules and flows cannot answer (an unsettled message). The model sees only the read-only tools plus
``hold_slot``: it can look things up and hold a time, never confirm, cancel or move; those still go through the
conversation's confirmation step. Who the customer is comes from the ``ToolContext``, never from the model.

Before a reply goes out it is checked: every price (₹...) and clock time in it must appear in a tool result of
this turn. A reply that fails the check, a model that fails, or one that runs out of steps gives ``None``, and
the conversation falls back to a safe reply (ask again, or a person). Tokens and an estimated cost are counted
per turn.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from openai import AsyncOpenAI, OpenAIError

from tools.base import Tool, ToolError, call_tool
from tools.bookings import hold_slot
from tools.context import ToolContext
from tools.registry import read_only_tools

SYSTEM = (
    "You are the WhatsApp receptionist of the salon {salon}. Answer the customer briefly, in {language_name}. "
    "Use the tools for every fact: services, prices, free times, the customer's bookings. Never state a price, a "
    "time or a stylist's name that a tool did not return in this conversation turn. You may hold a time with "
    "hold_slot but never say a booking is confirmed: the customer confirms with a button afterwards. If you "
    "cannot help, say a person from the salon will reply."
)
LANGUAGE_NAMES = {"en": "English", "hinglish": "Hinglish (Hindi in Latin letters, mixed with English)",
                  "hi": "Hindi in Devanagari"}
_PRICE = re.compile(r"₹\s?[\d,]+(?:\.\d{1,2})?")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")


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
                  history: list[dict[str, str]] | None = None) -> AgentReply | None:
        """The agent's checked reply to ``text``, or None (model failure, no answer, or an ungrounded claim)."""
        by_name = {tool.name: tool for tool in self.tools}
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM.format(
            salon=salon, language_name=LANGUAGE_NAMES.get(language, "English"))}]
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
                if not reply or not grounded(reply, evidence):
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


def grounded(reply: str, evidence: list[str]) -> bool:
    """Every price and clock time in ``reply`` appears in this turn's tool results."""
    found = "\n".join(evidence)
    prices_found = re.sub(r"[,\s]", "", found)
    for price in _PRICE.findall(reply):
        if re.sub(r"[,\s]", "", price) not in prices_found:  # "₹1,200" must be a "₹1,200" a tool gave
            return False
    for hour, minute in _TIME.findall(reply):
        if not any(f"{h}:{minute}" in found for h in {hour, hour.zfill(2), str(int(hour) + 12)}):
            return False
    return True
