"""WhatsApp intake under concurrency, against the run's PostgreSQL: POSTs that arrive together share a transaction
and still get their own answers, a POST the database refuses fails alone, and remembered business-number routes
are confirmed in the salon's own transaction, so a number that moved never stores a message in the wrong salon."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.models import InboundMessage, WhatsAppNumber
from domain.models.whatsapp import DeliveryState, InboundKind
from domain.services.whatsapp import (
    NumberDelivery,
    NumberDirectory,
    NumberRoute,
    ReceivedMessage,
    ReceivedStatus,
    RegisterNumber,
    register_number,
    take_in,
)
from domain.services.whatsapp_intake import WebhookIntake
from domain.uow import UnitOfWork
from tests.factories import Salon, make_salon

UowFor = Callable[..., UnitOfWork]
NUMBER = "100000000000001"
SENT = datetime(2026, 5, 21, 14, 13, 25, tzinfo=UTC)


def message(wamid: str, *, phone: str = "+919820012345", number: str = NUMBER) -> NumberDelivery:
    return NumberDelivery(number, messages=(ReceivedMessage(wamid=wamid, kind=InboundKind.TEXT, sent_at=SENT,
                                                            customer_phone=phone, text="kal 5 baje?"),))


def receipt(wamid: str, state: DeliveryState) -> NumberDelivery:
    return NumberDelivery(NUMBER, statuses=(ReceivedStatus(wamid=wamid, state=state, occurred_at=SENT),))


@contextmanager
def transactions(engine: AsyncEngine) -> Iterator[list[str]]:
    """Each transaction begun on the app engine while inside, as "begin"."""
    begun: list[str] = []

    def on_begin(connection: object) -> None:
        begun.append("begin")

    event.listen(engine.sync_engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(engine.sync_engine, "begin", on_begin)


@pytest.fixture
async def glow(uow_for: UowFor) -> Salon:
    async with uow_for(uuid.uuid4()) as uow:
        salon = await make_salon(uow, "glow")
        await register_number(RegisterNumber(NUMBER, salon.branch_id), uow)
        await uow.commit()
    return salon


async def wamids(uow_for: UowFor, tenant_id: uuid.UUID) -> list[str]:
    async with uow_for(tenant_id) as uow:
        return list(await uow.session.scalars(select(InboundMessage.wamid).order_by(InboundMessage.wamid)))


async def test_posts_that_arrive_together_share_one_transaction_and_each_gets_its_own_answer(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, app_engine: AsyncEngine, glow: Salon,
        uow_for: UowFor) -> None:
    intake = WebhookIntake(db, clock)
    await intake.take_in([message("wamid.EARLIER")])  # the route is now remembered
    posts = [[message("wamid.A")], [message("wamid.B"), receipt("wamid.OURS1", DeliveryState.SENT)],
             [message("wamid.A")], [message("wamid.EARLIER")], [receipt("wamid.OURS1", DeliveryState.SENT)]]
    with transactions(app_engine) as begun:
        results = await asyncio.gather(*(intake.take_in(post) for post in posts))
    assert [(r.stored, r.duplicates) for r in results] == [(1, 0), (2, 0), (0, 1), (0, 1), (0, 1)]
    assert len(begun) == 1  # one salon transaction for all five POSTs, and no lookup of the number
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.A", "wamid.B", "wamid.EARLIER"]


async def test_one_post_after_another_is_stored_each_time_even_with_one_batch_at_a_time(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    intake = WebhookIntake(db, clock, concurrency=1)  # a POST right after a batch must start the next one
    for wamid in ("wamid.ONE", "wamid.TWO", "wamid.THREE"):
        async with asyncio.timeout(10):  # not wait_for: its extra task would give the last batch time to finish
            assert (await intake.take_in([message(wamid)])).stored == 1
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.ONE", "wamid.THREE", "wamid.TWO"]


async def test_a_post_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_stored(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    intake = WebhookIntake(db, clock)
    too_long = message("wamid.BAD", phone="+91982001234567890")  # wider than the column: a data error
    results = await asyncio.gather(intake.take_in([message("wamid.C")]), intake.take_in([too_long]),
                                   intake.take_in([message("wamid.D")]), return_exceptions=True)
    assert isinstance(results[1], DBAPIError) and "too long" in str(results[1])
    assert [(r.stored, r.duplicates) for r in (results[0], results[2]) if not isinstance(r, BaseException)] == [
        (1, 0), (1, 0)]
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.C", "wamid.D"]


async def test_a_caller_that_goes_away_does_not_hold_up_the_others(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    intake = WebhookIntake(db, clock)
    leaving = asyncio.ensure_future(intake.take_in([message("wamid.GONE")]))
    staying = asyncio.ensure_future(intake.take_in([message("wamid.STAYS")]))
    await asyncio.sleep(0)
    leaving.cancel()
    assert (await staying).stored == 1
    # what the one that left had sent is stored all the same: Meta retries it, and the retry is a duplicate
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.GONE", "wamid.STAYS"]


async def test_a_remembered_route_skips_the_lookup(db: async_sessionmaker[AsyncSession], clock: FixedClock,
                                                   app_engine: AsyncEngine, glow: Salon) -> None:
    directory = NumberDirectory()
    with transactions(app_engine) as first:
        await take_in(db, clock, [message("wamid.E")], directory=directory)
    with transactions(app_engine) as second:
        await take_in(db, clock, [message("wamid.F")], directory=directory)
    assert directory.recall([NUMBER]) == {NUMBER: NumberRoute(glow.tenant_id, glow.branch_id)}
    assert (len(first), len(second)) == (2, 1)  # the platform lookup, then only the salon's transaction


async def test_a_number_moved_to_another_salon_is_stored_there_not_where_it_was_remembered(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, owner_engine: AsyncEngine, glow: Salon,
        uow_for: UowFor) -> None:
    async with uow_for(uuid.uuid4()) as uow:
        shine = await make_salon(uow, "shine")
        await uow.commit()
    directory = NumberDirectory()
    await take_in(db, clock, [message("wamid.BEFORE")], directory=directory)
    async with owner_engine.begin() as connection:  # moved by hand, as the docs describe for a real number
        await connection.execute(text("UPDATE whatsapp_numbers SET tenant_id = :tenant, branch_id = :branch "
                                      "WHERE phone_number_id = :number"),
                                 {"tenant": shine.tenant_id, "branch": shine.branch_id, "number": NUMBER})
    result = await take_in(db, clock, [message("wamid.AFTER")], directory=directory)
    assert (result.stored, result.unrouted) == (1, 0)
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.BEFORE"]
    assert await wamids(uow_for, shine.tenant_id) == ["wamid.AFTER"]
    assert directory.recall([NUMBER]) == {NUMBER: NumberRoute(shine.tenant_id, shine.branch_id)}


async def test_a_number_removed_since_it_was_remembered_stores_nothing(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    directory = NumberDirectory()
    await take_in(db, clock, [message("wamid.KEPT")], directory=directory)
    async with uow_for(glow.tenant_id) as uow:
        number = await uow.session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == NUMBER))
        await uow.session.delete(number)
        await uow.commit()
    result = await take_in(db, clock, [message("wamid.STRAY")], directory=directory)
    assert (result.stored, result.unrouted, result.unknown_numbers) == (0, 1, [NUMBER])
    assert await wamids(uow_for, glow.tenant_id) == ["wamid.KEPT"]
    assert len(directory) == 0


async def test_a_number_is_routed_on_its_first_delivery_after_it_is_registered(
        db: async_sessionmaker[AsyncSession], clock: FixedClock, uow_for: UowFor) -> None:
    directory = NumberDirectory()
    early = await take_in(db, clock, [message("wamid.EARLY")], directory=directory)
    async with uow_for(uuid.uuid4()) as uow:
        salon = await make_salon(uow, "late")
        await register_number(RegisterNumber(NUMBER, salon.branch_id), uow)
        await uow.commit()
    late = await take_in(db, clock, [message("wamid.LATE")], directory=directory)
    assert (early.unrouted, late.stored) == (1, 1)  # a miss is never remembered
    assert await wamids(uow_for, salon.tenant_id) == ["wamid.LATE"]
