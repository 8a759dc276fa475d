"""Handling one inbound message end to end: find the customer, lock the conversation, run the graph, return replies.

The channel (WhatsApp webhook, terminal chat, tests) calls ``handle_message``. The turn runs under the
conversation's advisory lock (``graphs.serial``) and its state is saved once, when the turn ends
(``durability="exit"``): a process that dies mid-turn leaves the conversation as it was after the previous message,
and the same message handled again re-runs the turn with the same turn number, so the tools' idempotency keys
(made from the thread and the turn) give back the hold or booking the first attempt made instead of a second one.
Saving after every step instead cost about 12 ms a turn and bought nothing: a new message starts a new run anyway.

A voice note comes with its audio; when a transcriber is configured it is transcribed here, before the graph runs
(the audio never enters the state, which the checkpoint stores), and the transcript is handled like typed text.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.escalation import ToolAgent
from agents.faq import FaqSearch
from agents.salon import SalonContext, salon_context_from_snapshot
from agents.understand import Understander
from agents.voice import Transcriber, TranscriptionUnavailable
from domain.clock import Clock
from domain.models import ConversationTurn, Customer, Handoff, HandoffStatus
from domain.services.customers import register_customer
from domain.services.snapshot import SalonSnapshot, salon_snapshot
from domain.uow import Actor, UnitOfWork
from graphs.checkpoint import thread_id
from graphs.deps import TurnDeps
from graphs.serial import one_turn_at_a_time
from graphs.state import VOICE_KINDS, Inbound
from serving.embeddings import Embedder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnResult:
    replies: list[dict[str, Any]]  # Cloud API message objects, in order
    flow: str
    understanding: dict[str, Any]
    latency_ms: float
    outcome: str = ""  # what the turn achieved: booked, held, asked, answered, handed_over, ... ("" for a duplicate)
    replayed: bool = False  # the turn had run before (its state was saved) but was not recorded: this recorded it
    usage: dict[str, Any] = field(default_factory=dict)  # the L3 agent's prompt/completion tokens and cost_usd
    language: str = ""  # the language the turn replied in


# Written in the transaction that records the turn (the WhatsApp worker queues the replies and marks the inbound
# message done there), so a turn's record and its effects on the channel commit together or not at all.
OnRecord = Callable[[UnitOfWork, TurnResult], Awaitable[None]]


@dataclass(frozen=True)
class Salon:
    """One salon, loaded once: its snapshot (catalog, staff, branches) and the understanding context built on it."""

    tenant_id: uuid.UUID
    snapshot: SalonSnapshot
    context: SalonContext
    branch_id: uuid.UUID


async def load_salon(sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant_id: uuid.UUID,
                     branch_slug: str | None = None, *, branch_id: uuid.UUID | None = None) -> Salon:
    """The salon, at the branch named by ``branch_slug`` or ``branch_id`` (a WhatsApp number's), else its first."""
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("conversation"), clock=clock) as uow:
        snapshot = await salon_snapshot(uow)
    if not snapshot.branches:
        raise ValueError(f"salon {snapshot.slug} has no branch to book at")
    branch = next((b for b in snapshot.branches if b.slug == branch_slug or (branch_id and b.id == str(branch_id))),
                  snapshot.branches[0])
    return Salon(tenant_id, snapshot, salon_context_from_snapshot(snapshot, branch.slug), uuid.UUID(branch.id))


async def customer_deps(sessions: async_sessionmaker[AsyncSession], clock: Clock, salon: Salon,
                        understander: Understander, phone: str, *, name: str | None = None,
                        agent: ToolAgent | None = None, transcriber: Transcriber | None = None) -> TurnDeps:
    """The turn's dependencies for the customer with this phone number (registered on first contact)."""
    async with UnitOfWork(sessions, tenant_id=salon.tenant_id, actor=Actor.system("whatsapp"), clock=clock) as uow:
        customer = await register_customer(phone, uow, name=name)
        await uow.commit()
        customer_id, customer_name, customer_language = customer.id, customer.name, customer.language
    embedder = getattr(understander.router, "embedder", None)
    return TurnDeps(sessions=sessions, clock=clock, understander=understander, salon=salon.context,
                    snapshot=salon.snapshot, tenant_id=salon.tenant_id, branch_id=salon.branch_id,
                    customer_id=customer_id, customer_name=customer_name, customer_language=customer_language,
                    thread_id=thread_id(salon.tenant_id, customer_id),
                    faq=FaqSearch(embedder) if isinstance(embedder, Embedder) else None, agent=agent,
                    transcriber=transcriber)


async def handle_message(graph: CompiledStateGraph[Any, Any, Any, Any], pool: AsyncConnectionPool, deps: TurnDeps,
                         text: str, *, payload: str | None = None, message_id: str | None = None,
                         kind: str = "text", audio: bytes | None = None, mime_type: str | None = None,
                         on_record: OnRecord | None = None) -> TurnResult:
    """Handle one message. A ``message_id`` already handled (the channel delivered it twice) is not handled again:
    the result has no replies and flow ``"duplicate"``.

    Exactly once, with a ``message_id``: the turn's state is saved when the graph ends and its record
    (``conversation_turns``, plus whatever ``on_record`` writes) in a transaction after that. A process that
    stopped between the two left a saved turn with no record; handling the same message again finds the saved
    state still answering this ``message_id`` and records that turn (``replayed``) instead of running it twice.

    A voice note (``kind`` "audio" or "voice") with its ``audio`` bytes and ``mime_type`` is transcribed when
    ``deps.transcriber`` is set, and its transcript is understood like a typed message (``inbound["transcribed"]``
    marks it). Without a transcriber, or when transcription fails, the customer is asked to type.
    """
    started = time.perf_counter()
    async with one_turn_at_a_time(pool, deps.thread_id):
        if message_id is not None:
            if await _seen(deps, message_id):
                return TurnResult(replies=[], flow="duplicate", understanding={}, latency_ms=0.0)
            saved = (await graph.aget_state({"configurable": {"thread_id": deps.thread_id}})).values
            if (saved.get("inbound") or {}).get("message_id") == message_id:
                result = _result(saved, started, replayed=True)
                await _record(deps, saved, result, message_id, on_record)
                log.warning("turn recorded after a restart", extra={"thread_id": deps.thread_id,
                                                                    "message_id": message_id})
                return result
        inbound: Inbound = {"text": text, "payload": payload, "message_id": message_id, "kind": kind}
        if kind in VOICE_KINDS and audio:
            heard = await _transcribe(deps, audio, mime_type)
            if heard is not None:
                inbound["text"], inbound["transcribed"] = heard, True
        state = await graph.ainvoke({"inbound": inbound},
                                    {"configurable": {"thread_id": deps.thread_id}}, context=deps,
                                    durability="exit")
        result = _result(state, started)
        await _record(deps, state, result, message_id, on_record)
    return result


def _result(state: dict[str, Any], started: float, *, replayed: bool = False) -> TurnResult:
    return TurnResult(replies=list(state.get("outbox") or []), flow=str(state.get("flow") or ""),
                      understanding=dict(state.get("understanding") or {}),
                      latency_ms=(time.perf_counter() - started) * 1000, outcome=str(state.get("outcome") or ""),
                      replayed=replayed, usage=dict(state.get("usage") or {}),
                      language=str(state.get("language") or ""))


async def _transcribe(deps: TurnDeps, audio: bytes, mime_type: str | None) -> str | None:
    """The voice note's words, or None (no transcriber, or no trustworthy transcript: the turn asks to type)."""
    if deps.transcriber is None:
        return None
    try:
        heard = await deps.transcriber.transcribe(audio, mime_type or "audio/ogg", None)
    except TranscriptionUnavailable as exc:
        log.warning("voice note not transcribed", extra={"thread_id": deps.thread_id, "error": str(exc)})
        return None
    return heard.text


async def _seen(deps: TurnDeps, message_id: str) -> bool:
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("conversation"),
                          clock=deps.clock) as uow:
        found = await uow.session.scalar(select(ConversationTurn.id).where(
            ConversationTurn.tenant_id == deps.tenant_id, ConversationTurn.message_id == message_id))
    return found is not None


async def _record(deps: TurnDeps, state: dict[str, Any], result: TurnResult, message_id: str | None,
                  on_record: OnRecord | None = None) -> None:
    """The turn's analytics row and, when the turn handed over, the open handoff (one per conversation)."""
    understanding = result.understanding
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("conversation"),
                          clock=deps.clock) as uow:
        uow.session.add(ConversationTurn(
            tenant_id=deps.tenant_id, customer_id=deps.customer_id, thread_id=deps.thread_id,
            turn=int(state.get("turns") or 0), message_id=message_id,
            intent=str(understanding.get("intent") or "-")[:20], tier=str(understanding.get("tier") or "-"),
            confidence=float(understanding.get("confidence") or 0.0),
            settled=bool(understanding.get("settled", False)), flags=list(understanding.get("flags") or []),
            flow=result.flow[:30], step=(str(state["step"])[:30] if state.get("step") else None),
            outcome=(str(state["outcome"])[:20] if state.get("outcome") else None),
            language=str(state.get("language") or "en"), latency_ms=result.latency_ms,
            prompt_tokens=int((state.get("usage") or {}).get("prompt_tokens") or 0),
            completion_tokens=int((state.get("usage") or {}).get("completion_tokens") or 0),
            cost_usd=float((state.get("usage") or {}).get("cost_usd") or 0.0), created_at=deps.clock.now()))
        language = state.get("language")
        if language in ("en", "hinglish", "hi") and language != deps.customer_language:
            # proactive messages (reminders, feedback requests) go out in the customer's latest language
            await uow.session.execute(update(Customer).where(
                Customer.id == deps.customer_id, Customer.language != language).values(language=language))
        handoff = state.get("handoff")
        if state.get("outcome") == "handed_over" and handoff:
            await uow.session.execute(insert(Handoff).values(
                tenant_id=deps.tenant_id, customer_id=deps.customer_id, thread_id=deps.thread_id,
                reason=str(handoff.get("reason") or ""), transcript=list(state.get("transcript") or []),
                status=HandoffStatus.OPEN.value, opened_at=deps.clock.now(),
            ).on_conflict_do_nothing(index_elements=["tenant_id", "thread_id"],
                                     index_where=Handoff.status == HandoffStatus.OPEN.value))
        if on_record is not None:
            await on_record(uow, result)
        await uow.commit()


async def release_handoff(graph: CompiledStateGraph[Any, Any, Any, Any], pool: AsyncConnectionPool,
                          sessions: async_sessionmaker[AsyncSession], clock: Clock, tenant_id: uuid.UUID,
                          handoff_id: uuid.UUID, staff: str) -> bool:
    """Staff hand a conversation back to the bot: the handoff is closed and the bot answers the next message.
    Safe to repeat: releasing a closed handoff changes nothing and returns False."""
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor("staff", staff), clock=clock) as uow:
        handoff = await uow.get(Handoff, handoff_id, "handoff")
        if handoff.status != HandoffStatus.OPEN.value:
            return False
        thread = handoff.thread_id
        async with one_turn_at_a_time(pool, thread):
            await graph.aupdate_state({"configurable": {"thread_id": thread}}, {"handoff": None, "misses": 0},
                                      as_node="finish")
            handoff.status, handoff.closed_at, handoff.closed_by = HandoffStatus.CLOSED.value, clock.now(), staff
            await uow.commit()
    return True
