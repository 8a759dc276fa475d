"""Feedback after a visit (UC-BOT-031): a rating from the list the feedback request carried (or typed: "5 stars"),
then what the customer wants to add. A low rating (1 or 2) goes to a person straight away: an unhappy customer
is the salon manager's job, not a bot's.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.slots.rating import read_rating
from graphs.deps import TurnDeps
from graphs.flows.talk import reply_when
from graphs.render import language_of, out, say
from graphs.state import Conversation, Handoff, Pending
from tools.base import ToolError, call_tool
from tools.feedback import comment_on_visit, rate_visit

LOW_RATING = 2  # this or lower: a person follows up


async def feedback(state: Conversation, runtime: Runtime[TurnDeps]) -> dict[str, Any]:
    deps = runtime.context
    language = language_of(state.get("language"))
    slots: dict[str, Any] = (state.get("understanding") or {}).get("slots") or {}
    said = str((state.get("inbound") or {}).get("text") or "")
    pending = state.get("pending") or Pending()
    rating = slots.get("rating") or read_rating(said)
    if rating is None and pending.get("kind") == "feedback_comment" and pending.get("booking_id") and said.strip():
        saved = await call_tool(comment_on_visit, deps.tool_context(), {
            "booking_id": pending["booking_id"], "comment": said[:1000]},
            idempotency_key=deps.idempotency_key("comment", state.get("turns", 0)))
        if isinstance(saved, ToolError):
            return {"outbox": out(say("feedback_no_visit", language)), "pending": None, "flow": "feedback",
                    "outcome": "no_visit"}
        return {"outbox": out(say("feedback_comment_thanks", language)), "pending": None, "flow": "feedback",
                "outcome": "commented"}
    if rating is None:
        return {"outbox": out(say("thanks_reply", language)), "pending": None, "flow": "feedback",
                "outcome": "answered"}
    saved = await call_tool(rate_visit, deps.tool_context(), {
        "booking_id": slots.get("appointment_id"), "rating": int(rating)},
        idempotency_key=deps.idempotency_key("rate", state.get("turns", 0)))
    if isinstance(saved, ToolError):
        return {"outbox": out(say("feedback_no_visit", language)), "pending": None, "flow": "feedback",
                "outcome": "no_visit"}
    if saved.rating <= LOW_RATING:
        return {"outbox": out(say("feedback_sorry_low", language, when=reply_when(deps, language))),
                "pending": None, "flow": "feedback", "outcome": "handed_over",
                "handoff": Handoff(reason=f"low rating ({saved.rating}/5) for a visit",
                                   since=deps.clock.now().isoformat())}
    key = "feedback_thanks_high" if saved.rating >= 4 else "feedback_thanks_mid"
    return {"outbox": out(say(key, language)), "flow": "feedback", "outcome": "rated",
            "pending": Pending(kind="feedback_comment", booking_id=str(saved.booking_id))}
