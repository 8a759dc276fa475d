"""Playing eval cases against the real pipeline: message cases through the understanding layer, conversation
cases through the conversation graph, its tools and the database. The composition root (``cazo.eval_runs``) builds
the :class:`Bench` on a throw-away database with the demo salon seeded.

Conversation cases run one after another, each as a new customer at the case's ``now`` (a fixed clock), and each
starts from the seeded salon: what a case booked is removed after it (``Bench.forget``), so no case depends on the
ones before it. They share one calendar while they run, so they do not run at once.
Message cases touch no data: they run concurrently when their model calls go over the network (``concurrency``,
set when recording), and one at a time otherwise, so each one's latency is its own and not its neighbours' too.
"""

from __future__ import annotations

import asyncio
import re
import time as timer
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from agents.escalation import ToolAgent
from agents.understand import Understander
from domain.clock import FixedClock
from domain.models import Booking, ConversationTurn, Customer, Handoff, InboundMessage, WhatsAppNumber
from domain.models.bookings import ACTIVE_SQL
from domain.services.customers import opt_out, record_marketing_consent
from domain.services.outbound import claim_ready, decide, mark_cancelled, mark_sent, queue_due_notices
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import Actor, UnitOfWork
from evals.cases import DEFAULT_NOW, DEFAULT_TENANT, parse_wait
from evals.checks import bookings_failures, message_failures, offered, slot_value, turn_failures
from graphs.deps import TurnDeps
from graphs.notices import run_notices
from graphs.turn import Salon, customer_deps, handle_message, load_salon
from tools.base import run_tool
from tools.booking_changes import check_in, complete_booking
from tools.bookings import book_appointment
from tools.context import ToolContext
from tools.replies import message_body, message_choices
from tools.trace import ToolCall, traced
from tools.views import booking_views

Progress = Callable[[], None]
EVAL_AUDIO = b"OggS\x00eval voice note"


@dataclass
class Bench:
    """What the cases run against. ``graph`` and ``pool`` are the compiled customer graph and its checkpointer's
    connection pool; ``agent`` is the L3 tool agent (None: not configured)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: FixedClock
    understander: Understander
    graph: Any
    pool: Any
    agent: ToolAgent | None = None
    salons: dict[str, Salon] = field(default_factory=dict)
    seeded_people: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    phones: int = 0
    # Removes a case customer's bookings after the case (a connection that may; the app role may not delete them).
    forget: Callable[[uuid.UUID], Awaitable[None]] | None = None

    async def salon(self, slug: str) -> Salon:
        if slug not in self.salons:
            async with UnitOfWork(self.sessions, tenant_id=None, actor=Actor.system("eval"), clock=self.clock,
                                  platform=True) as uow:
                tenant_id = await tenant_id_for_slug(slug, uow)
            self.salons[slug] = await load_salon(self.sessions, self.clock, tenant_id)
            self.seeded_people[slug] = await _people(self.sessions, self.clock, tenant_id)
        return self.salons[slug]

    def set_now(self, when: datetime) -> None:
        self.clock.advance(when - self.clock.now())


async def _people(sessions: async_sessionmaker[AsyncSession], clock: FixedClock,
                  tenant_id: uuid.UUID) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The salon's existing customers' full names (two words or more) and phone numbers' last ten digits: what a
    reply to somebody else must never contain."""
    async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("eval"), clock=clock) as uow:
        rows = (await uow.session.execute(select(Customer.name, Customer.phone_e164))).all()
    names = tuple(sorted({n for n, _ in rows if n and len(n.split()) >= 2}))
    phones = tuple(sorted({p[-10:] for _, p in rows if p and len(p) >= 10}))
    return names, phones


# -- message cases ---------------------------------------------------------------------------------------------


async def run_messages(bench: Bench, cases: list[dict[str, Any]], progress: Progress | None = None, *,
                       concurrency: int = 1) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for slug in sorted({case.get("tenant") or DEFAULT_TENANT for case in cases}):
        await bench.salon(slug)  # loaded once, before the batches race for it
    for start in range(0, len(cases), concurrency):
        batch = cases[start:start + concurrency]
        results += await asyncio.gather(*(_message(bench, case) for case in batch))
        for _ in batch:
            if progress:
                progress()
    return results


async def _message(bench: Bench, case: dict[str, Any]) -> dict[str, Any]:
    salon = await bench.salon(case.get("tenant") or DEFAULT_TENANT)
    now = datetime.fromisoformat(case.get("now") or DEFAULT_NOW)
    started = timer.perf_counter()
    try:
        found = await bench.understander.understand(case["text"], salon.context.turn(now))
    except Exception as exc:  # a bug in the pipeline: the case fails, the run goes on
        return {"id": case["id"], "ok": False, "failures": [f"error: {exc!r}"], "text": case["text"],
                "expect": case["expect"], "got": None, "lang": case.get("lang")}
    latency = (timer.perf_counter() - started) * 1000
    got = {"intent": found.intent.value, "confidence": round(found.confidence, 4), "tier": found.tier,
           "settled": found.settled, "language": found.language, "slots": found.slots}
    failures = message_failures(case["expect"], got)
    got["slots"] = {key: slot_value(found.slots, key) for key in ("date", "time", "services", "staff")}
    return {"id": case["id"], "ok": not failures, "failures": failures, "text": case["text"],
            "expect": case["expect"], "got": got, "latency_ms": round(latency, 3), "lang": case.get("lang")}


# -- conversation cases ----------------------------------------------------------------------------------------


async def run_conversations(bench: Bench, cases: list[dict[str, Any]], *, suite: str,
                            progress: Progress | None = None) -> list[dict[str, Any]]:
    results = []
    for case in cases:
        bench.phones += 1
        try:
            results.append(await _conversation(bench, case, f"+9190{bench.phones:08d}"))
        except Exception as exc:  # a bug: the case fails with it, the run goes on
            results.append({"id": case["id"], "ok": False, "failures": [f"error: {exc!r}"], "turns": [],
                            "final": {}, "lang": case.get("lang"), "suite": suite})
        if progress:
            progress()
    return results


async def _conversation(bench: Bench, case: dict[str, Any], phone: str) -> dict[str, Any]:
    salon = await bench.salon(case.get("tenant") or DEFAULT_TENANT)
    now = datetime.fromisoformat(case.get("now") or DEFAULT_NOW)
    given = case.get("given") or {}
    bench.set_now(now)
    deps = await customer_deps(bench.sessions, bench.clock, salon, bench.understander, phone,
                               name=given.get("name"), agent=bench.agent)
    booking_ids = await _given(bench, deps, salon, given, now)
    channel = await _channel(deps)
    others_before = await _others_fingerprint(deps)
    choices: list[tuple[str, str]] = []
    turns: list[dict[str, Any]] = []
    failures: list[str] = []
    all_calls: list[ToolCall] = []
    for number, turn in enumerate(case["turns"], 1):
        if "wait" in turn:
            got = await _wait(bench, deps, parse_wait(str(turn["wait"])))
            choices = [(c.id, c.title) for m in got.pop("messages") for c in message_choices(m)]
            turn_problems = [readable(p, deps) for p in turn_failures(turn.get("expect") or {}, got)]
            failures += [f"turn {number}: {p}" for p in turn_problems]
            turns.append({**got, "ok": not turn_problems, "failures": turn_problems})
            continue
        said, payload, kind = _inbound(turn, choices, booking_ids)
        if said is None:
            failures.append(readable(f"turn {number}: tap {turn['tap']!r} was not offered (offered: "
                                     f"{[c for c, _ in choices] or 'nothing'})", deps))
            break
        if channel is not None:  # without a number the salon can send no notice at all, window or not
            await _wrote(deps, *channel, said, payload, kind)
        with traced() as calls:
            result = await handle_message(bench.graph, bench.pool, deps, said, payload=payload, kind=kind,
                                          audio=EVAL_AUDIO if kind == "voice" else None,
                                          mime_type="audio/ogg" if kind == "voice" else None)
        all_calls += calls
        choices = [(c.id, c.title) for m in result.replies for c in message_choices(m)]
        got = _turn_got(result, calls, deps)
        got["said"] = said if payload is None else f"[tap {payload}]" if kind == "text" else said
        turn_problems = [readable(p, deps) for p in turn_failures(turn.get("expect") or {}, got)]
        failures += [f"turn {number}: {p}" for p in turn_problems]
        turns.append({**got, "ok": not turn_problems, "failures": turn_problems})
    final = await _final(bench, deps, others_before)
    if bench.forget is not None:
        await bench.forget(deps.customer_id)
    failures += _final_failures(case, final, turns, all_calls, bench.seeded_people.get(salon.context.slug))
    return {"id": case["id"], "ok": not failures, "failures": failures, "turns": turns, "final": final,
            "lang": case.get("lang"), "use_case": case.get("use_case"), "category": case.get("category"),
            "expects_handoff": _expects_handoff(case), "handed_over": any(t["handoff"] for t in turns)}


async def _channel(deps: TurnDeps) -> tuple[str, str] | None:
    """The WhatsApp number (Meta's phone_number_id) the customer writes to at this branch and the customer's phone
    as stored; None when the branch has no number."""
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=deps.clock) as uow:
        number = await uow.session.scalar(select(WhatsAppNumber.phone_number_id)
                                          .where(WhatsAppNumber.branch_id == deps.branch_id).limit(1))
        phone = await uow.session.scalar(select(Customer.phone_e164).where(Customer.id == deps.customer_id))
    return (number, phone) if number is not None and phone is not None else None


async def _wrote(deps: TurnDeps, number: str, phone: str, said: str, payload: str | None, kind: str) -> None:
    """Record the customer's message as the WhatsApp channel does (``inbound_messages``), so the 24-hour customer
    service window that decides how a later notice may be sent is the real one."""
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=deps.clock) as uow:
        now = deps.clock.now()
        uow.session.add(InboundMessage(
            tenant_id=deps.tenant_id, branch_id=deps.branch_id, phone_number_id=number,
            wamid=f"wamid.eval.{uuid.uuid4().hex}", customer_phone=phone,
            kind="interactive" if payload else ("audio" if kind == "voice" else "text"), text=said or None,
            reply_id=payload, payload={}, sent_at=now, received_at=now, status="done"))
        await uow.commit()


async def _wait(bench: Bench, deps: TurnDeps, duration: timedelta) -> dict[str, Any]:
    """Let time pass, then do what the notice worker would: queue what happened (reminders, feedback requests,
    follow-ups), hand the due notices to the outbox and send this customer's by the channel's rules (opt-out,
    consent, the 24-hour window). The turn's replies are what was sent."""
    # The notice worker runs every few seconds: what happened so far is queued now, what falls due goes out later.
    await run_notices(deps.sessions, bench.clock, deps.tenant_id)
    bench.set_now(bench.clock.now() + duration)
    await run_notices(deps.sessions, bench.clock, deps.tenant_id)
    sent: list[dict[str, Any]] = []
    cancelled: list[str] = []
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=bench.clock) as uow:
        await queue_due_notices(uow)
        await uow.commit()
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=bench.clock) as uow:
        for _ in range(20):  # one message per customer per pass, in order, as the sender takes them
            claimed = await claim_ready(uow, customer_id=deps.customer_id, limit=50)
            if not claimed:
                break
            for message in claimed:
                verdict = await decide(uow, message)
                if verdict.action == "cancel":
                    await mark_cancelled(uow, message, verdict.reason)
                    cancelled.append(verdict.reason)
                    continue
                await mark_sent(uow, message, f"wamid.eval.{uuid.uuid4().hex}", verdict.action)
                sent.append(message.body if verdict.action == "message" else _template_message(message.template))
            await uow.session.flush()
        await uow.commit()
    last = sent[-1] if sent else None
    return {"said": f"[wait {duration}]", "wait": True, "intent": "", "tier": "", "settled": True, "confidence": 0.0,
            "flow": "notices", "outcome": "sent" if sent else ("cancelled" if cancelled else "nothing"),
            "language": "", "tools": [], "calls": [], "text": _reply_text(sent) + "".join(
                f"\n(not sent: {reason})" for reason in cancelled),
            "buttons": [c.id for c in message_choices(last)] if last else [], "handoff": False,
            "silent": not sent, "latency_ms": 0.0, "usage": {}, "messages": sent}


def _template_message(template: dict[str, Any] | None) -> dict[str, Any]:
    """A template send shown as text: its name and parameters (Meta fills the approved body)."""
    spec = template or {}
    return {"type": "text", "text": {"body": f"[template {spec.get('name')}] " + " | ".join(
        map(str, spec.get("params") or []))}}


def _inbound(turn: dict[str, Any], choices: list[tuple[str, str]],
             booking_ids: list[str]) -> tuple[str | None, str | None, str]:
    """(text, payload, kind) for one scripted turn; text None when a tap matches nothing offered."""
    if "user" in turn:
        return str(turn["user"]), None, "text"
    if "voice" in turn:
        return "", None, "voice"
    if "payload" in turn:
        payload = str(turn["payload"]).replace("{booking}", booking_ids[0] if booking_ids else "")
        return "", payload, "text"
    found = offered([i for i, _ in choices], str(turn["tap"]))
    if found is None:
        return None, None, "text"
    return dict(choices)[found], found, "text"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _id_names(deps: TurnDeps) -> dict[str, str]:
    """The salon's service and staff ids, each to its name."""
    return {sid: name for sid, name, _ in deps.snapshot.services} | dict(deps.snapshot.staff)


def readable(line: str, deps: TurnDeps) -> str:
    """A failure line with the salon's ids shown as names (``svc:Beard trim``) and any other id as ``<id>``: the
    same failure reads the same in every run, whose seeded ids differ."""
    names = _id_names(deps)
    return _UUID.sub(lambda m: names.get(m.group(0), "<id>"), line)


def _reply_text(replies: list[dict[str, Any]]) -> str:
    parts = []
    for message in replies:
        parts.append(message_body(message))
        for choice in message_choices(message):
            parts.append(choice.title + (f" {choice.description}" if choice.description else ""))
    return "\n".join(parts)


def _turn_got(result: Any, calls: list[ToolCall], deps: TurnDeps) -> dict[str, Any]:
    u = result.understanding
    last = result.replies[-1] if result.replies else None
    return {"intent": str(u.get("intent") or ""), "tier": str(u.get("tier") or ""),
            "settled": bool(u.get("settled", False)), "confidence": float(u.get("confidence") or 0.0),
            "flow": result.flow, "outcome": result.outcome, "language": result.language,
            "tools": [c.tool for c in calls],
            "calls": [{"tool": c.tool, "args": _named(c.input, deps), "outcome": c.outcome} for c in calls],
            "text": _reply_text(result.replies),
            "buttons": [c.id for c in message_choices(last)] if last else [],
            "handoff": result.outcome == "handed_over", "silent": not result.replies,
            "latency_ms": round(result.latency_ms, 3), "usage": result.usage}


def _named(args: dict[str, Any], deps: TurnDeps) -> dict[str, Any]:
    """Tool input with ids shown as names and instants as the salon's local date and time."""
    names = _id_names(deps)
    shown = dict(args)
    if "service_ids" in shown:
        shown["services"] = [names.get(str(s), str(s)) for s in shown.pop("service_ids") or []]
    if shown.get("staff_id"):
        shown["staff"] = names.get(str(shown["staff_id"]), str(shown["staff_id"]))
    shown.pop("staff_id", None)
    if shown.get("starts_at"):
        local = datetime.fromisoformat(str(shown.pop("starts_at"))).astimezone(deps.salon.zone)
        shown["date"], shown["time"] = local.date().isoformat(), local.strftime("%H:%M")
    return shown


async def _given(bench: Bench, deps: TurnDeps, salon: Salon, given: dict[str, Any], now: datetime) -> list[str]:
    """Set up what the case says happened before its first message; the ids of the bookings it made."""
    if given.get("opted_out") or given.get("marketing_consent"):
        async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                              clock=bench.clock) as uow:
            if given.get("marketing_consent"):
                await record_marketing_consent(deps.customer_id, True, "whatsapp", uow)
            if given.get("opted_out"):
                await opt_out(deps.customer_id, "whatsapp", uow)
            await uow.commit()
    ids = []
    desk = ToolContext(sessions=deps.sessions, clock=bench.clock, tenant_id=deps.tenant_id,
                       actor=Actor("staff", "eval"), role="front_desk", branch_id=salon.branch_id)
    services = {name.casefold(): sid for sid, name, _ in salon.snapshot.services}
    staff = {name.casefold().split()[0]: sid for sid, name in salon.snapshot.staff}
    for row in given.get("bookings") or []:
        names = row.get("services") or [row["service"]]
        missing = [n for n in names if n.casefold() not in services]
        if missing or str(row["staff"]).casefold().split()[0] not in staff:
            raise ValueError(f"given booking names an unknown service or stylist: {row}")
        starts = datetime.fromisoformat(f"{row['date']}T{row['time']}").replace(tzinfo=salon.context.zone)
        if starts <= now:
            bench.set_now(starts - timedelta(days=1))  # booked the day before, like a real customer
        view = await run_tool(book_appointment, desk, {
            "service_ids": [services[n.casefold()] for n in names], "starts_at": starts.isoformat(),
            "staff_id": staff[str(row["staff"]).casefold().split()[0]], "customer_id": str(deps.customer_id)})
        if row.get("status") == "completed":
            bench.set_now(starts)
            await run_tool(check_in, desk, {"booking_id": str(view.id)})
            await run_tool(complete_booking, desk, {"booking_id": str(view.id)})
        bench.set_now(now)
        ids.append(str(view.id))
    return ids


async def _others_fingerprint(deps: TurnDeps) -> str:
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=deps.clock) as uow:
        return str(await uow.session.scalar(text(
            "SELECT md5(coalesce(string_agg(id::text || status || updated_at::text, ',' ORDER BY id), '')) "
            "FROM bookings WHERE customer_id <> :customer"), {"customer": deps.customer_id}))


async def _final(bench: Bench, deps: TurnDeps, others_before: str) -> dict[str, Any]:
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("eval"),
                          clock=bench.clock) as uow:
        rows = list((await uow.session.execute(
            select(Booking).options(selectinload(Booking.items))
            .where(Booking.customer_id == deps.customer_id))).scalars().unique())
        views = await booking_views(rows, uow)
        customer = await uow.session.get(Customer, deps.customer_id)
        handoff = await uow.session.scalar(select(Handoff.id).where(
            Handoff.thread_id == deps.thread_id, Handoff.status == "open"))
        overlaps = await uow.session.scalar(text(
            "SELECT count(*) FROM booking_items a JOIN booking_items b ON a.staff_id = b.staff_id "
            f"AND a.id < b.id AND a.staff_busy && b.staff_busy WHERE a.status IN {ACTIVE_SQL} "
            f"AND b.status IN {ACTIVE_SQL}"))
        recorded = (await uow.session.execute(
            select(ConversationTurn.intent, ConversationTurn.tier, ConversationTurn.latency_ms,
                   ConversationTurn.outcome).where(ConversationTurn.thread_id == deps.thread_id))).all()
    bookings = []
    for view in views:
        if view.status in ("cancelled", "expired") and view.hold_expires_at is not None:
            continue  # a hold let go before it was confirmed (confirming clears the expiry): never a booking
        local = view.starts_at.astimezone(deps.salon.zone)
        bookings.append({"services": [i.service for i in view.items], "staff": sorted({i.staff for i in view.items}),
                         "date": local.date().isoformat(), "time": local.strftime("%H:%M"), "status": view.status})
    return {"bookings": bookings, "opted_out": bool(customer.opted_out) if customer else False,
            "turns_recorded": [{"intent": i, "tier": t, "latency_ms": round(float(ms or 0), 2), "outcome": o}
                               for i, t, ms, o in recorded],
            "handoff_open": handoff is not None, "double_bookings": int(overlaps or 0),
            "others_changed": await _others_fingerprint(deps) != others_before}


def _expects_handoff(case: dict[str, Any]) -> bool:
    return bool(case.get("must_handoff")) or any((t.get("expect") or {}).get("handoff") is True
                                                 for t in case["turns"])


def _final_failures(case: dict[str, Any], final: dict[str, Any], turns: list[dict[str, Any]],
                    calls: list[ToolCall], people: tuple[tuple[str, ...], tuple[str, ...]] | None) -> list[str]:
    wanted = case.get("final") or {}
    failures = []
    if "bookings" in wanted:
        failures += bookings_failures(wanted["bookings"], final["bookings"])
    if wanted.get("booked") and not any(b["status"] == "confirmed" for b in final["bookings"]):
        failures.append("booked: expected a confirmed booking, have none")
    if wanted.get("turns_recorded"):
        said = sum(1 for turn in case["turns"] if "wait" not in turn)
        rows = final["turns_recorded"]
        if len(rows) != said or not all(r["intent"] and r["intent"] != "-" and r["tier"] and r["latency_ms"] > 0
                                        for r in rows):
            failures.append(f"turns_recorded: expected {said} turns each with intent, tier and latency, have {rows}")
    for key in ("opted_out", "handoff_open"):
        if key in wanted and bool(wanted[key]) != final[key]:
            failures.append(f"{key}: expected {wanted[key]}, got {final[key]}")
    if wanted.get("unchanged_others", True) and final["others_changed"]:
        failures.append("another customer's booking changed during this conversation")
    if final["double_bookings"]:
        failures.append(f"double booking: {final['double_bookings']} overlapping bookings of one stylist")
    forbidden = sorted({c.tool for c in calls} & set(case.get("forbid_tools") or []))
    if forbidden:
        failures.append(f"forbidden tools called: {forbidden}")
    if case.get("must_not_leak") and people:
        names, phones = people
        replies = "\n".join(t["text"] for t in turns)
        digits = "".join(ch for ch in replies if ch.isdigit())
        leaked = [n for n in names if n.casefold() in replies.casefold()] + [
            f"…{p[-4:]}" for p in phones if p in digits]
        if leaked:
            failures.append(f"leaked another customer's details: {leaked}")
    if case.get("must_handoff") and not any(t["handoff"] for t in turns) and not final["handoff_open"]:
        failures.append("expected the conversation to be handed to a person; it was not")
    return failures
