"""The customer conversation's state: what one thread remembers between messages.

Plain data only (strings, numbers, lists, dicts): the checkpointer reads it back with strict msgpack, and a state
that needed a class to load would not come back after a crash. Each turn starts from the saved state plus the new
message in ``inbound``, and ends with the replies for that message in ``outbox``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

TRANSCRIPT_KEEP = 20  # lines kept for a handoff (what the person taking over reads first)

PendingKind = Literal["choose_service", "choose_slot", "confirm_booking", "choose_booking", "confirm_cancel",
                      "confirm_move", "feedback_comment", "choose_category"]


VOICE_KINDS = ("audio", "voice")


class Inbound(TypedDict, total=False):
    text: str  # for a voice note, its transcript (empty when there is none)
    kind: str  # "text" (default), "interactive", or a media kind such as "audio" or "image"
    payload: str | None  # an interactive reply's id (button or list row)
    message_id: str | None  # the channel's id, for logs
    transcribed: bool  # a voice note whose text came from the transcriber (the audio itself is never kept)


class Draft(TypedDict, total=False):
    """The booking being put together across messages."""

    service_ids: list[str]
    date: str | None  # YYYY-MM-DD, the salon's local date
    time: str | None  # HH:MM, local
    staff_id: str | None
    upsold: bool  # an add-on was offered for this booking (at most once)


class Moving(TypedDict, total=False):
    """The booking being moved, and the new day and time as they are gathered."""

    booking_id: str
    date: str | None
    time: str | None
    starts_at: str  # the new start offered in the last summary (ISO-8601, UTC)


class Pending(TypedDict, total=False):
    """What the last reply asked, so the next message can be read as its answer."""

    kind: PendingKind
    options: list[dict[str, Any]]  # choose_*: the rows offered (id plus what acting on it needs)
    booking_id: str  # confirm_booking / confirm_cancel / feedback_comment
    starts_at: str  # confirm_booking: the held start (ISO-8601), kept when an add-on is added


class Handoff(TypedDict, total=False):
    reason: str
    since: str  # ISO-8601


class Conversation(TypedDict, total=False):
    language: str  # en, hinglish or hi: the customer's latest, for replies
    inbound: Inbound
    understanding: dict[str, Any]  # intent, confidence, tier, settled, flags, reason, slots
    draft: Draft
    moving: Moving | None
    pending: Pending | None
    handoff: Handoff | None  # set: a person has the conversation; the bot stays silent
    misses: int  # messages in a row the bot could not understand
    turns: int
    outbox: list[dict[str, Any]]  # this turn's replies, as Cloud API message objects (tools.replies.to_whatsapp)
    transcript: list[dict[str, str]]  # the last TRANSCRIPT_KEEP lines, {"from": "customer"|"bot", "text": ...}
    flow: str  # the flow node that answered this turn, for analytics and tests
    step: str | None  # the question the turn left open (a pending kind, or "ask_day"), for analytics and follow-ups
    outcome: str | None  # what the turn achieved: booked, held, asked, answered, handed_over, ... (analytics)
    usage: dict[str, float]  # this turn's large-model use: prompt_tokens, completion_tokens, cost_usd
