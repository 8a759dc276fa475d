"""The WhatsApp worker against the real database and graph: queued messages answered once, in order, bursts as one
turn, crashes that neither lose nor double an answer, and sends that follow the window, templates and opt-outs."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.guards import InputGuard
from agents.understand import Understander
from domain.clock import FixedClock
from domain.models import (
    Booking,
    ConversationTurn,
    Customer,
    CustomerMessage,
    InboundMessage,
    MessageKind,
    OutboundMessage,
)
from domain.seeding import seed_demo_salon
from domain.services import outbound
from domain.services.notices import Notice, schedule
from domain.services.outbound import SendFailure
from domain.services.snapshot import tenant_id_for_slug
from domain.services.whatsapp import take_in
from domain.uow import UnitOfWork
from graphs.checkpoint import open_checkpointer
from graphs.customer import build_customer_graph
from graphs.whatsapp import WhatsAppWorker, WorkerConfig
from integrations.meta.client import RetryPolicy, WhatsAppClient
from integrations.meta.sender import CloudApiSender
from integrations.meta.webhook import parse_webhook
from tests.graphs.chat_kit import APP_ROLE
from tests.unit.test_whatsapp_webhook import change, envelope, meta_bytes, status, text_message

UowFor = Callable[..., UnitOfWork]
CUSTOMER = "919820012345"
PHONE = "+919820012345"


class Killed(BaseException):
    """The process dying at this point: nothing after it runs (not an Exception, so no handler catches it)."""


@dataclass
class FakeSender:
    """Records what the worker would send; ``refuse`` scripts failures for the next sends, in order."""

    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    refuse: list[SendFailure] = field(default_factory=list)
    kill_after_send: bool = False

    async def _go(self, number: str, to: str, what: dict[str, Any]) -> str:
        if self.refuse:
            raise self.refuse.pop(0)
        self.sent.append((number, to, what))
        if self.kill_after_send:
            raise Killed
        return f"wamid.out.{len(self.sent)}"

    async def send(self, phone_number_id: str, to: str, message: dict[str, Any]) -> str:
        return await self._go(phone_number_id, to, message)

    async def send_template(self, phone_number_id: str, to: str, template: dict[str, Any]) -> str:
        return await self._go(phone_number_id, to, {"template": template})

    def texts(self) -> list[str]:
        found = []
        for _, _, message in self.sent:
            if message.get("type") == "text":
                found.append(message["text"]["body"])
            elif message.get("type") == "interactive":
                found.append(message["interactive"]["body"]["text"])
            else:
                found.append(json.dumps(message))
        return found


@dataclass
class Bench:
    db: async_sessionmaker[AsyncSession]
    clock: FixedClock
    tenant_id: uuid.UUID
    understander: Understander
    url: str
    holder: dict[str, Any]
    sender: FakeSender
    counter: list[int] = field(default_factory=lambda: [0])

    def worker(self, sender: Any = None, **config: Any) -> WhatsAppWorker:
        settings = {"burst": 0.0, "burst_cap": 0.0, "notices_every": 0.0} | config
        return WhatsAppWorker(sessions=self.db, clock=self.clock, graph=self.holder["graph"],
                              pool=self.holder["saver"].conn, understander=self.understander,
                              sender=sender or self.sender, config=WorkerConfig(**settings))

    async def restart(self) -> None:
        """A new process: a new checkpointer pool and graph over the same database."""
        await self.holder["cm"].__aexit__(None, None, None)
        self.holder["cm"] = open_checkpointer(self.url, APP_ROLE)
        self.holder["saver"] = await self.holder["cm"].__aenter__()
        self.holder["graph"] = build_customer_graph(self.holder["saver"])

    async def deliver(self, *messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None) -> None:
        """Meta's webhook for these messages, stored as the endpoint stores it."""
        parsed = parse_webhook(meta_bytes(envelope(change(list(messages) or None, statuses))))
        assert not parsed.problems
        await take_in(self.db, self.clock, parsed.deliveries)

    def text(self, body: str, wamid: str | None = None) -> dict[str, Any]:
        self.counter[0] += 1
        return text_message(wamid or f"wamid.in.{self.counter[0]}", body,
                            timestamp=str(int(self.clock.now().timestamp())))

    def tap(self, reply_id: str, title: str) -> dict[str, Any]:
        self.counter[0] += 1
        return {"from": CUSTOMER, "id": f"wamid.in.{self.counter[0]}",
                "timestamp": str(int(self.clock.now().timestamp())), "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}}

    async def rows(self, model: Any, *order: Any) -> list[Any]:
        async with UnitOfWork(self.db, tenant_id=self.tenant_id, actor=outbound_actor(), clock=self.clock) as uow:
            return list(await uow.session.scalars(select(model).order_by(*(order or (model.id,)))))

    async def turns(self) -> int:
        async with UnitOfWork(self.db, tenant_id=self.tenant_id, actor=outbound_actor(), clock=self.clock) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(ConversationTurn)) or 0)


def outbound_actor() -> Any:
    from domain.uow import Actor

    return Actor("staff", "tester")


@pytest.fixture
async def bench(db: async_sessionmaker[AsyncSession], clock: FixedClock, checkpoint_tables: str, trained_router: Any,
                guard: InputGuard, uow_for: UowFor) -> AsyncIterator[Bench]:
    await seed_demo_salon(db, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    holder: dict[str, Any] = {"cm": open_checkpointer(checkpoint_tables, APP_ROLE)}
    holder["saver"] = await holder["cm"].__aenter__()
    holder["graph"] = build_customer_graph(holder["saver"])
    try:
        yield Bench(db, clock, tenant_id, Understander(router=trained_router, guard=guard), checkpoint_tables,
                    holder, FakeSender())
    finally:
        await holder["cm"].__aexit__(None, None, None)


# ---- answering ------------------------------------------------------------------------------------------------


async def test_a_queued_message_is_answered_once_and_marked_done(bench: Bench) -> None:
    await bench.deliver(bench.text("kal beard trim karwana hai", "wamid.in.A"))
    worker = bench.worker()
    assert await worker.run_once() > 0
    assert bench.sender.sent and all(to == PHONE for _, to, _ in bench.sender.sent)
    assert all(number == "100000000000001" for number, _, _ in bench.sender.sent)
    [message] = await bench.rows(InboundMessage)
    assert (message.status, message.handled_as) == ("done", "wamid.in.A")
    sent = await bench.rows(OutboundMessage)
    assert [row.status for row in sent] == ["sent"] * len(sent)
    assert [row.dedupe_key for row in sent] == [f"reply:wamid.in.A:{n}" for n in range(len(sent))]
    assert all(row.wamid and row.sent_as == "message" for row in sent)
    count = len(bench.sender.sent)
    assert await worker.run_once() == 0  # nothing left: a second pass sends nothing
    await bench.deliver(bench.text("kal beard trim karwana hai", "wamid.in.A"))  # Meta redelivers
    assert await worker.run_once() == 0
    assert len(bench.sender.sent) == count and await bench.turns() == 1


async def test_a_quick_burst_of_messages_is_one_turn_answered_after_the_quiet_time(bench: Bench) -> None:
    await bench.deliver(bench.text("hi"))
    bench.clock.advance(timedelta(milliseconds=300))
    await bench.deliver(bench.text("kal"))
    bench.clock.advance(timedelta(milliseconds=300))
    await bench.deliver(bench.text("beard trim karwana hai"))
    worker = bench.worker(burst=0.8, burst_cap=3.0)
    assert await worker.run_once() == 0  # the customer is still typing
    bench.clock.advance(timedelta(milliseconds=900))
    assert await worker.run_once() > 0
    rows = await bench.rows(InboundMessage)
    assert {row.handled_as for row in rows} == {rows[-1].wamid} and {row.status for row in rows} == {"done"}
    assert await bench.turns() == 1 and worker.stats.turns == 1 and worker.stats.messages == 3
    assert "Beard trim" in "\n".join(bench.sender.texts())


async def test_a_customer_who_keeps_typing_is_answered_once_the_cap_is_reached(bench: Bench) -> None:
    worker = bench.worker(burst=0.8, burst_cap=2.0)
    for word in ("hi", "I", "want", "a"):
        await bench.deliver(bench.text(word))
        bench.clock.advance(timedelta(milliseconds=600))
        assert await worker.run_once() == 0 or word == "a"
    assert await bench.turns() == 1


def first_option(message: dict[str, Any]) -> tuple[str, str]:
    """The first button or list row a reply offers: (id, title)."""
    action = message["interactive"]["action"]
    if "buttons" in action:
        reply = action["buttons"][0]["reply"]
        return reply["id"], reply["title"]
    row = action["sections"][0]["rows"][0]
    return row["id"], row["title"]


async def test_taps_are_turns_of_their_own_and_book_through_the_worker(bench: Bench) -> None:
    worker = bench.worker()
    await bench.deliver(bench.text("kal shaam 5 baje beard trim"))
    await worker.run_once()
    for _ in range(3):  # a time from the list if 5 PM was taken, then Confirm
        if bench.sender.texts()[-1].startswith("Ho gaya!"):
            break
        offered = [body for _, _, body in bench.sender.sent if body.get("type") == "interactive"][-1]
        await bench.deliver(bench.tap(*first_option(offered)))
        await worker.run_once()
    assert bench.sender.texts()[-1].startswith("Ho gaya! Beard trim")
    async with UnitOfWork(bench.db, tenant_id=bench.tenant_id, actor=outbound_actor(), clock=bench.clock) as uow:
        booked = (await uow.session.scalars(select(Booking.status).join(Customer, Customer.id == Booking.customer_id)
                                            .where(Customer.phone_e164 == PHONE))).all()
    assert booked == ["confirmed"]
    rows = await bench.rows(InboundMessage)
    assert [row.handled_as for row in rows] == [row.wamid for row in rows]  # each message its own turn
    assert await bench.turns() == len(rows)


async def test_a_reaction_needs_no_answer(bench: Bench) -> None:
    reaction = {"from": CUSTOMER, "id": "wamid.in.R", "timestamp": str(int(bench.clock.now().timestamp())),
                "type": "reaction", "reaction": {"message_id": "wamid.out.1", "emoji": "👍"}}
    await bench.deliver(reaction)
    await bench.worker().run_once()
    [row] = await bench.rows(InboundMessage)
    assert row.status == "done" and row.handled_as is None and not bench.sender.sent


async def test_two_workers_at_once_answer_a_customer_once(bench: Bench) -> None:
    await bench.deliver(bench.text("namaste"))
    first, second = bench.worker(), bench.worker()
    await asyncio.gather(first.process_ready(), second.process_ready())
    await first.send_due()
    await second.send_due()
    assert await bench.turns() == 1
    assert first.stats.turns + second.stats.turns == 1
    assert len(bench.sender.sent) == len(await bench.rows(OutboundMessage))


# ---- crashes ------------------------------------------------------------------------------------------------


async def test_a_worker_killed_after_the_turn_ran_but_before_it_was_recorded_answers_it_once(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    await bench.deliver(bench.text("kal shaam 5 baje beard trim", "wamid.in.K"))
    real = outbound.queue_replies
    calls = {"n": 0}

    async def dies(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Killed  # the process dies inside the transaction that records the turn
        return await real(*args, **kwargs)

    monkeypatch.setattr(outbound, "queue_replies", dies)
    with pytest.raises(Killed):
        await bench.worker().run_once()
    assert not bench.sender.sent and await bench.turns() == 0
    [message] = await bench.rows(InboundMessage)
    assert message.status == "queued"  # not lost

    await bench.restart()
    restarted = bench.worker()
    await restarted.run_once()
    assert restarted.stats.replayed == 1  # the saved turn was recorded, not run a second time
    assert await bench.turns() == 1
    async with UnitOfWork(bench.db, tenant_id=bench.tenant_id, actor=outbound_actor(), clock=bench.clock) as uow:
        turn = await uow.session.scalar(select(ConversationTurn.turn))
    assert turn == 1
    texts = bench.sender.texts()
    assert texts and len(texts) == len(await bench.rows(OutboundMessage))
    await restarted.run_once()
    assert len(bench.sender.sent) == len(texts)


async def test_a_worker_killed_mid_turn_leaves_the_message_queued_and_the_next_one_answers_it(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    import graphs.whatsapp as worker_module

    await bench.deliver(bench.text("namaste", "wamid.in.M"))
    real = worker_module.handle_message

    async def dies(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    monkeypatch.setattr(worker_module, "handle_message", dies)
    with pytest.raises(Killed):
        await bench.worker().run_once()
    monkeypatch.setattr(worker_module, "handle_message", real)
    await bench.restart()
    worker = bench.worker()
    await worker.run_once()
    assert worker.stats.turns == 1 and worker.stats.replayed == 0 and await bench.turns() == 1
    assert len(bench.sender.sent) == len(await bench.rows(OutboundMessage)) > 0


async def test_a_sender_killed_after_meta_took_the_message_does_not_send_it_again(bench: Bench) -> None:
    await bench.deliver(bench.text("namaste"))
    dying = FakeSender(kill_after_send=True)
    with pytest.raises(Killed):
        await bench.worker(sender=dying).run_once()
    assert len(dying.sent) == 1
    [row] = [row for row in await bench.rows(OutboundMessage) if row.status != "queued"]
    assert row.status == "sending"
    bench.clock.advance(outbound.STALE_SENDING + timedelta(seconds=1))
    await bench.worker().run_once()
    rows = await bench.rows(OutboundMessage)
    parked = [row for row in rows if row.status == "failed"]
    assert len(parked) == 1 and "may or may not have reached" in (parked[0].last_error or "")
    assert [body for _, _, body in bench.sender.sent] == [r.body for r in rows if r.status == "sent"]
    assert dying.sent[0][2] not in [body for _, _, body in bench.sender.sent]


# ---- failures ---------------------------------------------------------------------------------------------------


async def test_a_failing_turn_is_retried_with_backoff_then_parked_and_later_messages_wait(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    import graphs.whatsapp as worker_module

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the model server is down")

    monkeypatch.setattr(worker_module, "handle_message", broken)
    await bench.deliver(bench.text("namaste", "wamid.in.F1"))
    worker = bench.worker(max_attempts=3)
    await worker.run_once()
    first = (await bench.rows(InboundMessage))[0]
    assert (first.status, first.attempts) == ("queued", 1) and "model server is down" in (first.last_error or "")
    assert first.retry_at is not None and first.retry_at > bench.clock.now()
    await bench.deliver(bench.tap("menu", "Menu"))  # a tap: a turn of its own, after the failing one
    await worker.run_once()
    first, second = await bench.rows(InboundMessage)
    assert first.attempts == 1 and (second.status, second.attempts) == ("queued", 0)  # it waits its turn
    for _ in range(2):
        bench.clock.advance(timedelta(minutes=6))
        await worker.run_once()
    parked, later = await bench.rows(InboundMessage)
    assert (parked.status, parked.attempts) == ("failed", 3)
    assert worker.stats.failed == 1 and not bench.sender.sent
    assert (later.status, later.attempts) == ("queued", 0)
    await worker.run_once()
    assert (await bench.rows(InboundMessage))[1].attempts == 1  # tried once the earlier one was parked


async def test_meta_throttling_is_retried_with_backoff_and_a_final_refusal_is_parked_with_the_reason(
        bench: Bench) -> None:
    throttled = SendFailure("throughput limit", code=130429, retryable=True)
    bench.sender.refuse = [throttled]
    await bench.deliver(bench.text("namaste"))
    worker = bench.worker()
    await worker.run_once()
    rows = await bench.rows(OutboundMessage)
    assert rows[0].status == "queued" and rows[0].error_code == 130429 and rows[0].attempts == 1
    assert not bench.sender.sent  # the later replies wait behind the first: order is kept
    bench.clock.advance(outbound.retry_delay(1) + timedelta(seconds=1))
    await worker.run_once()
    assert [row.status for row in await bench.rows(OutboundMessage)] == ["sent"] * len(rows)

    bench.sender.refuse = [SendFailure("recipient not on WhatsApp", code=131026)]
    await bench.deliver(bench.text("prices"))
    await worker.run_once()
    failed = [row for row in await bench.rows(OutboundMessage) if row.status == "failed"]
    assert len(failed) == 1 and failed[0].last_error == "recipient not on WhatsApp" and failed[0].failed_at


async def test_the_cloud_api_answering_429_then_200_sends_the_reply_once(bench: Bench) -> None:
    calls: list[dict[str, Any]] = []

    def graph(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        if len(calls) == 1:
            return httpx.Response(429, json={"error": {"message": "(#130429) Rate limit hit", "code": 130429,
                                                       "type": "OAuthException", "fbtrace_id": "A1"}})
        return httpx.Response(200, json={"messaging_product": "whatsapp", "contacts": [{"wa_id": CUSTOMER}],
                                         "messages": [{"id": f"wamid.graph.{len(calls)}"}]})

    async def no_wait(_: float) -> None:
        return None

    client = WhatsAppClient("token", transport=httpx.MockTransport(graph), sleep=no_wait,
                            retry=RetryPolicy(max_attempts=3))
    await bench.deliver(bench.text("namaste"))
    await bench.worker(sender=CloudApiSender(client)).run_once()
    await client.aclose()
    rows = await bench.rows(OutboundMessage)
    assert len(calls) == len(rows) + 1  # one throttled attempt, then each reply once
    assert calls[0] == calls[1] and calls[0]["to"] == PHONE
    assert [row.wamid for row in rows] == [f"wamid.graph.{n}" for n in range(2, len(rows) + 2)]


# ---- notices: the 24-hour window, templates, opt-outs ---------------------------------------------------------------


async def _customer(bench: Bench, *, consent: bool = False) -> uuid.UUID:
    from domain.services.customers import register_customer

    async with UnitOfWork(bench.db, tenant_id=bench.tenant_id, actor=outbound_actor(), clock=bench.clock) as uow:
        customer = await register_customer(PHONE, uow, name="Riya")
        if consent:
            customer.marketing_consent, customer.marketing_consent_at = True, bench.clock.now()
            customer.marketing_consent_source = "whatsapp"
        await uow.commit()
        return customer.id


async def _notice(bench: Bench, customer_id: uuid.UUID, kind: MessageKind, *, template: bool = True) -> None:
    async with UnitOfWork(bench.db, tenant_id=bench.tenant_id, actor=outbound_actor(), clock=bench.clock) as uow:
        await schedule(uow, Notice(customer_id=customer_id, kind=kind, dedupe_key=f"{kind.value}:test",
                                   language="en", body={"type": "text", "text": {"body": f"{kind.value} body"}},
                                   due_at=bench.clock.now(),
                                   template={"name": "appointment_reminder", "language": "en",
                                             "params": ["Riya", "Fri 5 PM"]} if template else None))
        await uow.commit()


async def test_a_notice_inside_the_window_goes_as_written_and_outside_it_as_its_template(bench: Bench) -> None:
    customer = await _customer(bench)
    await bench.deliver(bench.text("thanks", "wamid.in.W"))
    worker = bench.worker()
    await worker.run_once()
    replies = len(bench.sender.sent)
    await _notice(bench, customer, MessageKind.REMINDER_DAY_BEFORE)
    await worker.run_once()
    assert bench.sender.sent[replies][2] == {"type": "text", "text": {"body": "reminder_day_before body"}}

    bench.clock.advance(timedelta(hours=25))
    await _notice(bench, customer, MessageKind.REMINDER_SOON)
    await worker.run_once()
    assert bench.sender.sent[-1][2] == {"template": {"name": "appointment_reminder", "language": "en",
                                                     "params": ["Riya", "Fri 5 PM"]}}
    notices = await bench.rows(CustomerMessage, CustomerMessage.due_at)
    assert {notice.status for notice in notices} == {"sent"}
    sent_as = {row.customer_message_id: row.sent_as for row in await bench.rows(OutboundMessage)}
    assert sorted(value for key, value in sent_as.items() if key) == ["message", "template"]


async def test_outside_the_window_a_notice_without_a_template_is_cancelled_with_the_reason(bench: Bench) -> None:
    customer = await _customer(bench)
    await _notice(bench, customer, MessageKind.ABANDONED_BOOKING, template=False)
    await bench.worker().run_once()
    assert not bench.sender.sent
    [notice] = await bench.rows(CustomerMessage)
    assert notice.status == "cancelled" and "24-hour" in (notice.status_reason or "")


async def test_meta_saying_the_window_closed_sends_the_template_instead(bench: Bench) -> None:
    customer = await _customer(bench)
    await bench.deliver(bench.text("ok", "wamid.in.C"))
    worker = bench.worker()
    await worker.run_once()
    bench.sender.refuse = [SendFailure("Re-engagement message", code=131047, window_closed=True)]
    await _notice(bench, customer, MessageKind.REMINDER_SOON)
    await worker.run_once()
    assert "template" in bench.sender.sent[-1][2]
    [notice] = await bench.rows(CustomerMessage)
    assert notice.status == "sent"


async def test_opted_out_customers_get_no_notices_and_promotions_need_consent(bench: Bench) -> None:
    customer = await _customer(bench)
    await _notice(bench, customer, MessageKind.REBOOK_PROMPT)
    await bench.worker().run_once()
    [notice] = await bench.rows(CustomerMessage)
    assert notice.status == "cancelled" and "marketing" in (notice.status_reason or "")

    async with UnitOfWork(bench.db, tenant_id=bench.tenant_id, actor=outbound_actor(), clock=bench.clock) as uow:
        await uow.session.execute(update(Customer).values(opted_out=True, opted_out_at=bench.clock.now(),
                                                          marketing_consent=False))
        await uow.commit()
    await _notice(bench, customer, MessageKind.REMINDER_SOON)
    await bench.worker().run_once()
    assert not bench.sender.sent
    assert {n.status_reason for n in await bench.rows(CustomerMessage)} >= {"the customer opted out (STOP)"}


# ---- delivery receipts ------------------------------------------------------------------------------------------


async def test_receipts_move_a_sent_message_forward_whatever_order_they_arrive_in(bench: Bench) -> None:
    await bench.deliver(bench.text("namaste"))
    await bench.worker().run_once()
    first = (await bench.rows(OutboundMessage))[0]
    assert first.wamid is not None
    stamp = str(int(bench.clock.now().timestamp()) + 5)
    await bench.deliver(statuses=[status(first.wamid, "read", timestamp=stamp)])
    await bench.deliver(statuses=[status(first.wamid, "delivered", timestamp=stamp)])
    await bench.deliver(statuses=[status(first.wamid, "sent", timestamp=stamp)])
    row = (await bench.rows(OutboundMessage))[0]
    assert row.status == "read" and row.read_at is not None and row.delivered_at is not None


async def test_a_failed_receipt_parks_the_message_with_metas_reason(bench: Bench) -> None:
    await bench.deliver(bench.text("namaste"))
    await bench.worker().run_once()
    first = (await bench.rows(OutboundMessage))[0]
    assert first.wamid is not None
    failed = status(first.wamid, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    await bench.deliver(statuses=[failed])
    row = (await bench.rows(OutboundMessage))[0]
    assert row.status == "failed" and row.error_code == 131026
    assert "Message undeliverable" in (row.last_error or "")


async def test_a_receipt_that_arrives_before_the_send_is_recorded_is_applied_when_it_is(bench: Bench) -> None:
    @dataclass
    class RacingSender(FakeSender):
        """Meta's "delivered" webhook for the first reply reaches us before the sender has stored its wamid."""

        async def send(self, phone_number_id: str, to: str, message: dict[str, Any]) -> str:
            wamid = await super().send(phone_number_id, to, message)
            if wamid == "wamid.out.1":
                await bench.deliver(statuses=[status(wamid, "delivered",
                                                     timestamp=str(int(bench.clock.now().timestamp())))])
            return wamid

    await bench.deliver(bench.text("namaste"))
    await bench.worker(sender=RacingSender()).run_once()
    rows = await bench.rows(OutboundMessage)
    assert rows[0].wamid == "wamid.out.1" and rows[0].status == "delivered" and rows[0].delivered_at


async def test_more_customers_at_once_than_the_pool_can_serve_are_answered_not_deadlocked(bench: Bench) -> None:
    async with open_checkpointer(bench.url, APP_ROLE, max_size=3) as saver:
        worker = WhatsAppWorker(sessions=bench.db, clock=bench.clock, graph=build_customer_graph(saver),
                                pool=saver.conn, understander=bench.understander,  # type: ignore[arg-type]
                                sender=bench.sender, config=WorkerConfig(concurrency=8, burst=0, burst_cap=0))
        assert worker.concurrency == 1  # 3 connections: one for the lane locks, two for one turn
        for n in range(6):
            await bench.deliver(text_message(f"wamid.crowd.{n}", "namaste", sender=f"9198200000{n:02d}",
                                             timestamp=str(int(bench.clock.now().timestamp()))))
        await asyncio.wait_for(worker.run_once(), timeout=60)
    assert worker.stats.turns == 6 and {row.status for row in await bench.rows(InboundMessage)} == {"done"}
