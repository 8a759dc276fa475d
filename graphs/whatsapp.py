"""The WhatsApp worker: answers queued inbound messages with conversation turns and sends what is due.

Processing, per customer ("lane"): the webhook stored each message as a queued ``inbound_messages`` row. A worker
finds lanes with queued messages (a platform-scoped read of ids only), takes a lane with a non-blocking advisory
lock (``graphs.serial.lane``; another worker holding it is skipped, not waited for), and handles that customer's
queued messages oldest first, one turn at a time:

- a quick burst of typed messages ("hi" / "haircut kal" / "5 baje") becomes one turn: a lane is ready once its
  newest message is ``burst`` old (or its oldest is ``burst_cap`` old), and consecutive texts are joined;
- a button or list tap, a voice note (downloaded and transcribed), an image or a location is a turn of its own;
  a reaction is stored and needs no answer.

Exactly once: a turn runs with the last message's wamid as its id, and the turn's record, its replies (queued in
``outbound_messages`` with keys made from that wamid) and the messages' ``done`` commit in one transaction
(``handle_message(on_record=...)``). A worker that dies before that commit leaves the messages queued; the next
worker re-runs or replays the turn (see ``graphs.turn``), so the customer is answered once. A turn that fails is
retried with backoff and, after ``max_attempts``, parked as ``failed`` with the error for staff.

Sending: after a turn commits, its replies are sent at once; a sweep also sends anything due (retries, notices
from ``customer_messages``, replies left by a worker that stopped). Sends follow ``domain.services.outbound``:
the 24-hour window, templates outside it, opt-outs, backoff, parking.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.escalation import ToolAgent
from agents.understand import Understander
from agents.voice import Transcriber
from domain.clock import Clock
from domain.models import (
    CustomerMessage,
    InboundKind,
    InboundMessage,
    InboundStatus,
    MessageStatus,
    OutboundMessage,
    OutboundStatus,
)
from domain.phone import mask_phone
from domain.services import outbound
from domain.services.outbound import Claimed, MessageSender, Recipient, SendFailure
from domain.uow import Actor, UnitOfWork
from graphs.serial import Lanes, lanes
from graphs.state import VOICE_KINDS
from graphs.turn import Salon, TurnResult, customer_deps, handle_message, load_salon

log = logging.getLogger(__name__)
ACTOR = Actor.system("whatsapp-worker")


class MediaSource(Protocol):
    """Where voice notes come from (``integrations.meta.client.WhatsAppClient.download_media``)."""

    async def download_media(self, media_id: str) -> tuple[bytes, str]: ...


@dataclass(frozen=True)
class WorkerConfig:
    concurrency: int = 4  # lanes handled at once by one worker
    burst: float = 0.8  # seconds of quiet after a customer's last message before answering
    burst_cap: float = 3.0  # ...but never wait longer than this after their first unanswered message
    max_burst: int = 6  # typed messages joined into one turn at most
    max_attempts: int = 5  # failed turns before a message is parked
    poll: float = 0.2  # seconds between looks at the queue when it was empty
    salon_ttl: float = 60.0  # seconds a salon's catalog snapshot is reused
    notices_every: float = 15.0  # seconds between hand-overs of due notices to the outbox


@dataclass
class WorkerStats:
    turns: int = 0
    messages: int = 0
    replayed: int = 0
    failed: int = 0
    sent: int = 0
    send_failures: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class _Lane:
    tenant_id: uuid.UUID
    who: str


@dataclass
class _Cached:
    salon: Salon
    loaded: float


@dataclass
class WhatsAppWorker:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    graph: CompiledStateGraph[Any, Any, Any, Any]
    pool: AsyncConnectionPool
    understander: Understander
    sender: MessageSender
    media: MediaSource | None = None
    agent: ToolAgent | None = None
    transcriber: Transcriber | None = None
    config: WorkerConfig = field(default_factory=WorkerConfig)
    stats: WorkerStats = field(default_factory=WorkerStats)
    _salons: dict[tuple[uuid.UUID, uuid.UUID], _Cached] = field(default_factory=dict)
    _last_notices: float = 0.0

    # ---- the loop ---------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; errors are logged and the loop goes on."""
        log.info("whatsapp worker started", extra={"concurrency": self.config.concurrency})
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("whatsapp worker pass failed")
                busy = 0
            if not busy:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll)
                except TimeoutError:
                    pass
        log.info("whatsapp worker stopped", extra={"turns": self.stats.turns, "sent": self.stats.sent})

    async def run_once(self) -> int:
        """One pass: answer the ready lanes, hand due notices to the outbox now and then, send what is due.
        The number of turns run and messages sent (0: nothing to do)."""
        done = await self.process_ready()
        if time.monotonic() - self._last_notices >= self.config.notices_every:
            self._last_notices = time.monotonic()
            await self.queue_notices()
        return done + await self.send_due()

    @property
    def concurrency(self) -> int:
        """Customers answered at once: as configured, but never more than the pool can serve. Each turn holds two
        connections (its conversation lock and the checkpointer's), and the pass one for the lane locks; a pool
        smaller than that would leave every turn waiting for a connection another turn holds."""
        return max(1, min(self.config.concurrency, (self.pool.max_size - 1) // 2))

    # ---- inbound ----------------------------------------------------------------------------------------------

    async def ready_lanes(self, limit: int) -> list[_Lane]:
        """Customers with queued messages that are ready to answer, oldest first."""
        now = self.clock.now()
        who = func.coalesce(InboundMessage.customer_phone, InboundMessage.customer_user_id)
        quiet = now - timedelta(seconds=self.config.burst)
        waited = now - timedelta(seconds=self.config.burst_cap)
        async with UnitOfWork(self.sessions, tenant_id=None, actor=ACTOR, clock=self.clock, platform=True) as uow:
            rows = (await uow.session.execute(
                select(InboundMessage.tenant_id, who)
                .where(InboundMessage.status == InboundStatus.QUEUED.value)
                .group_by(InboundMessage.tenant_id, who)
                .having(func.bool_and(or_(InboundMessage.retry_at.is_(None), InboundMessage.retry_at <= now)),
                        or_(func.max(InboundMessage.received_at) <= quiet,
                            func.min(InboundMessage.received_at) <= waited))
                .order_by(func.min(InboundMessage.id)).limit(limit))).all()
        return [_Lane(tenant_id, str(customer)) for tenant_id, customer in rows]

    async def process_ready(self) -> int:
        ready = await self.ready_lanes(self.config.concurrency * 4)
        if not ready:
            return 0
        gate = asyncio.Semaphore(self.concurrency)
        async with lanes(self.pool) as held_lanes:

            async def one(item: _Lane) -> int:
                async with gate:
                    return await self.process_lane(held_lanes, item.tenant_id, item.who)

            return sum(await asyncio.gather(*(one(item) for item in ready)))

    async def process_lane(self, held_lanes: Lanes, tenant_id: uuid.UUID, who: str) -> int:
        """Answer one customer's queued messages in order, if no other worker is; the number of turns run."""
        async with held_lanes.take(f"{tenant_id}:{who}") as held:
            if not held:
                return 0
            async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
                queued = (await uow.session.scalars(
                    select(InboundMessage)
                    .where(InboundMessage.status == InboundStatus.QUEUED.value,
                           func.coalesce(InboundMessage.customer_phone, InboundMessage.customer_user_id) == who)
                    .order_by(InboundMessage.sent_at, InboundMessage.id))).all()
                uow.session.expunge_all()
            turns = 0
            for group in self.turns_of(queued):
                try:
                    await self._answer(tenant_id, group)
                except Exception as exc:
                    await self._failed(tenant_id, group, exc)
                    break  # later messages wait: answering them first would change the conversation's order
                turns += 1
            return turns

    def turns_of(self, messages: Sequence[InboundMessage]) -> list[list[InboundMessage]]:
        """The turns a customer's queued messages make: consecutive typed texts together, anything else alone."""
        groups: list[list[InboundMessage]] = []
        for message in messages:
            texts = groups[-1] if groups and groups[-1][-1].kind == InboundKind.TEXT.value else None
            if message.kind == InboundKind.TEXT.value and texts is not None and len(texts) < self.config.max_burst:
                texts.append(message)
            else:
                groups.append([message])
        return groups

    async def _salon(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Salon:
        cached = self._salons.get((tenant_id, branch_id))
        if cached is None or time.monotonic() - cached.loaded > self.config.salon_ttl:
            cached = _Cached(await load_salon(self.sessions, self.clock, tenant_id, branch_id=branch_id),
                             time.monotonic())
            self._salons[(tenant_id, branch_id)] = cached
        return cached.salon

    async def _answer(self, tenant_id: uuid.UUID, group: list[InboundMessage]) -> None:
        last = group[-1]
        wamids = [message.wamid for message in group]
        if last.kind == InboundKind.REACTION.value:  # an emoji on one of our messages: stored, nothing to answer
            await self._settle(tenant_id, wamids, None)
            return
        if last.customer_phone is None:
            raise _Park("the customer hides their phone number (WhatsApp username); Cazo answers phone numbers only")
        salon = await self._salon(tenant_id, last.branch_id)
        deps = await customer_deps(self.sessions, self.clock, salon, self.understander, last.customer_phone,
                                   name=last.contact_name, agent=self.agent, transcriber=self.transcriber)
        recipient = Recipient(deps.customer_id, last.phone_number_id, last.customer_phone, last.customer_user_id)
        text = "\n".join(message.text or "" for message in group).strip()
        payload = last.reply_id if last.kind in (InboundKind.INTERACTIVE.value, InboundKind.BUTTON.value) else None
        if payload is not None:
            text = last.reply_title or text
        audio, mime = await self._voice(last)

        async def on_record(uow: UnitOfWork, result: TurnResult) -> None:
            await outbound.queue_replies(uow, recipient, last.wamid, result.replies)
            await self._mark_done(uow, wamids, last.wamid)

        result = await handle_message(self.graph, self.pool, deps, text, payload=payload, message_id=last.wamid,
                                      kind=last.kind, audio=audio, mime_type=mime, on_record=on_record)
        if result.flow == "duplicate":  # recorded (and its replies queued) by an earlier attempt
            await self._settle(tenant_id, wamids, last.wamid)
        self.stats.turns += 1
        self.stats.messages += len(group)
        self.stats.replayed += result.replayed
        await self.send_due(tenant_id=tenant_id, customer_id=deps.customer_id)

    async def _voice(self, message: InboundMessage) -> tuple[bytes | None, str | None]:
        if message.kind not in VOICE_KINDS or not message.media_id or self.media is None \
                or self.transcriber is None:
            return None, message.mime_type
        try:
            audio, mime = await self.media.download_media(message.media_id)
        except Exception as exc:  # any failure: the turn asks the customer to type instead
            log.warning("voice note not downloaded", extra={"wamid": message.wamid, "error": str(exc)[:200]})
            return None, message.mime_type
        return audio, mime or message.mime_type

    async def _mark_done(self, uow: UnitOfWork, wamids: list[str], handled_as: str | None) -> None:
        await uow.session.execute(update(InboundMessage).where(InboundMessage.wamid.in_(wamids)).values(
            status=InboundStatus.DONE.value, processed_at=uow.clock.now(), handled_as=handled_as, last_error=None,
            retry_at=None))

    async def _settle(self, tenant_id: uuid.UUID, wamids: list[str], handled_as: str | None) -> None:
        async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
            await self._mark_done(uow, wamids, handled_as)
            await uow.commit()

    async def _failed(self, tenant_id: uuid.UUID, group: list[InboundMessage], exc: Exception) -> None:
        """A turn that raised: try again later, or park the messages for staff after ``max_attempts``."""
        attempts = max(message.attempts for message in group) + 1
        park = isinstance(exc, _Park) or attempts >= self.config.max_attempts
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.error("whatsapp turn failed", exc_info=not isinstance(exc, _Park),
                  extra={"tenant_id": str(tenant_id), "customer": mask_phone(group[-1].customer_phone or ""),
                         "attempts": attempts, "parked": park})
        now = self.clock.now()
        async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
            await uow.session.execute(update(InboundMessage).where(
                InboundMessage.wamid.in_([message.wamid for message in group]),
                InboundMessage.status == InboundStatus.QUEUED.value).values(
                attempts=attempts, last_error=error,
                status=InboundStatus.FAILED.value if park else InboundStatus.QUEUED.value,
                retry_at=None if park else now + timedelta(seconds=min(300, 2 ** attempts)),
                processed_at=now if park else None))
            await uow.commit()
        self.stats.failed += park

    # ---- outbound ---------------------------------------------------------------------------------------------

    async def queue_notices(self) -> int:
        """Hand every salon's due notices to the outbox."""
        now = self.clock.now()
        async with UnitOfWork(self.sessions, tenant_id=None, actor=ACTOR, clock=self.clock, platform=True) as uow:
            tenants = (await uow.session.scalars(
                select(CustomerMessage.tenant_id).where(CustomerMessage.status == MessageStatus.SCHEDULED.value,
                                                        CustomerMessage.due_at <= now).distinct())).all()
        handed = 0
        for tenant_id in tenants:
            async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
                handed += await outbound.queue_due_notices(uow)
                await uow.commit()
        return handed

    async def send_due(self, *, tenant_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None,
                       limit: int = 100) -> int:
        """Send what is due: for one customer (right after their turn) or, with no arguments, for every salon
        (after parking sends a dead worker left half-done). The number of messages sent."""
        if tenant_id is None:
            now = self.clock.now()
            async with UnitOfWork(self.sessions, tenant_id=None, actor=ACTOR, clock=self.clock,
                                  platform=True) as uow:
                tenants = (await uow.session.scalars(
                    select(OutboundMessage.tenant_id).where(
                        or_(OutboundMessage.status == OutboundStatus.SENDING.value,
                            (OutboundMessage.status == OutboundStatus.QUEUED.value)
                            & (OutboundMessage.next_attempt_at <= now))).distinct())).all()
            sent = 0
            for tenant in tenants:
                async with UnitOfWork(self.sessions, tenant_id=tenant, actor=ACTOR, clock=self.clock) as uow:
                    await outbound.recover_stale(uow)
                    await uow.commit()
                sent += await self.send_due(tenant_id=tenant, limit=limit)
            return sent
        sent = 0
        while True:
            async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
                claimed = await outbound.claim_ready(uow, limit=limit, customer_id=customer_id)
                going: list[tuple[Claimed, outbound.Decision]] = []
                for message in claimed:  # decided in the same transaction: one round trip less per message
                    decision = await outbound.decide(uow, message)
                    if decision.action == "cancel":
                        await outbound.mark_cancelled(uow, message, decision.reason)
                        self.stats.cancelled += 1
                    else:
                        going.append((message, decision))
                await uow.commit()
            # one customer's messages in order; different customers' could go at once, but a turn has few
            for message, decision in going:
                sent += await self._send(tenant_id, message, decision)
            if len(claimed) < limit:
                return sent

    async def _send(self, tenant_id: uuid.UUID, message: Claimed, decision: outbound.Decision) -> int:
        try:
            try:
                wamid = await self._deliver(message, decision.action)
            except SendFailure as failure:
                if not failure.window_closed or decision.action == "template" or not message.template:
                    raise
                decision = outbound.Decision("template")  # Meta says the window closed: the template may go
                wamid = await self._deliver(message, "template")
        except SendFailure as failure:
            async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
                again = await outbound.mark_failed(uow, message, failure)
                await uow.commit()
            self.stats.send_failures += 1
            log.warning("whatsapp send refused", extra={"outbound_id": message.id, "code": failure.code,
                                                        "retry": again, "reason": failure.reason[:200]})
            return 0
        async with UnitOfWork(self.sessions, tenant_id=tenant_id, actor=ACTOR, clock=self.clock) as uow:
            await outbound.mark_sent(uow, message, wamid, decision.action)
            await uow.commit()
        self.stats.sent += 1
        return 1

    async def _deliver(self, message: Claimed, action: str) -> str:
        if action == "template":
            assert message.template is not None
            return await self.sender.send_template(message.phone_number_id, message.to, message.template)
        return await self.sender.send(message.phone_number_id, message.to, message.body)


class _Park(Exception):
    """A message no retry can answer: parked at once, with the reason."""
