"""The WhatsApp webhook through the real ASGI app against the run's PostgreSQL: Meta's handshake, signed
deliveries stored once per message however often Meta sends them, and nothing stored for anything unsigned."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from cazo.settings import DEV_WHATSAPP_APP_SECRET, Settings
from cazo.wiring import open_runtime
from domain.clock import FixedClock
from domain.models import Branch, DeliveryReceipt, InboundMessage, WhatsAppNumber
from domain.seeding import seed_demo_salon
from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID
from domain.services.snapshot import tenant_id_for_slug
from domain.services.whatsapp import RegisterNumber, register_number
from domain.uow import Actor, UnitOfWork
from integrations.meta.payloads import meta_bytes
from integrations.meta.webhook import signature_header
from tests.conftest import NOW
from tests.e2e.test_api import client_for
from tests.factories import Salon, make_salon
from tests.unit.test_whatsapp_webhook import (
    APP_SECRET,
    NUMBER_ID,
    change,
    envelope,
    status,
    text_message,
)

PROBLEM = "application/problem+json"
VERIFY_TOKEN = "glow-verify-token-7f3a"
STRONG_KEY = "k3H9vQ2xR7mW4pL8sT1nB6cY5dF0gJ2a"
URL = "/webhooks/whatsapp"
UowFor = Callable[..., UnitOfWork]


def settings(database_url: str, **values: Any) -> Settings:
    return Settings(_env_file=None, **{"environment": "test", "database_url": database_url,  # type: ignore[arg-type]
                                       **values})


async def client_with(database_url: str, clock: FixedClock, **whatsapp: Any) -> AsyncIterator[httpx.AsyncClient]:
    # The webhook stores and answers; it never runs a conversation, so the runtime opens without one.
    app: FastAPI = create_app(lambda: open_runtime(settings(database_url, **whatsapp), clock=clock,
                                                   conversations=False))
    async for client in client_for(app):
        yield client


@pytest.fixture
async def client(database_url: str, clock: FixedClock, uow_for: UowFor) -> AsyncIterator[httpx.AsyncClient]:
    del uow_for  # the tables are emptied after the test
    async for client in client_with(database_url, clock, whatsapp_verify_token=VERIFY_TOKEN,
                                    whatsapp_app_secret=APP_SECRET):
        yield client


async def post(client: httpx.AsyncClient, body: dict[str, Any] | bytes, *,
               signature: str | None = None) -> httpx.Response:
    raw = body if isinstance(body, bytes) else meta_bytes(body)
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": signature if signature is not None else signature_header(raw, APP_SECRET)}
    return await client.post(URL, content=raw, headers=headers)


async def messages(uow_for: UowFor, tenant_id: uuid.UUID) -> list[InboundMessage]:
    async with uow_for(tenant_id) as uow:
        return list(await uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


async def receipts(uow_for: UowFor, tenant_id: uuid.UUID) -> list[tuple[str, str]]:
    async with uow_for(tenant_id) as uow:
        rows = await uow.session.execute(select(DeliveryReceipt.wamid, DeliveryReceipt.status)
                                         .order_by(DeliveryReceipt.id))
        return [(wamid, state) for wamid, state in rows]


async def stored_anywhere(owner_engine: AsyncEngine) -> int:
    async with owner_engine.connect() as connection:
        found = await connection.scalar(select(func.count()).select_from(InboundMessage))
        found += await connection.scalar(select(func.count()).select_from(DeliveryReceipt))
    return int(found)


# ---- the handshake ------------------------------------------------------------------------------------------------


async def test_meta_verifies_the_callback_url_with_our_token(client: httpx.AsyncClient) -> None:
    answer = await client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                           "hub.challenge": "1158201444"})
    assert answer.status_code == 200
    assert answer.text == "1158201444" and answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("mode", "token"), [("subscribe", "glow-verify-token-guess"), ("unsubscribe", VERIFY_TOKEN),
                                              (None, VERIFY_TOKEN), ("subscribe", None)])
async def test_a_wrong_token_or_mode_is_forbidden(client: httpx.AsyncClient, mode: str | None,
                                                  token: str | None) -> None:
    params = {"hub.challenge": "1158201444", **({"hub.mode": mode} if mode else {}),
              **({"hub.verify_token": token} if token else {})}
    answer = await client.get(URL, params=params)
    assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM
    assert "1158201444" not in answer.text


async def test_outside_development_without_configured_secrets_nothing_verifies_and_nothing_is_stored(
        database_url: str, clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    async for bare in client_with(database_url, clock, environment="staging", secret_key=STRONG_KEY):
        answer = await bare.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": "",
                                             "hub.challenge": "1"})
        assert answer.status_code == 403
        for secret in (APP_SECRET, DEV_WHATSAPP_APP_SECRET):
            raw = meta_bytes(envelope(change([text_message("wamid.NOSECRET", "Hi")])))
            posted = await post(bare, raw, signature=signature_header(raw, secret))
            assert posted.status_code == 403 and posted.headers["content-type"] == PROBLEM
    assert await messages(uow_for, glow.tenant_id) == []


async def test_in_development_an_unset_app_secret_is_the_development_one(
        database_url: str, clock: FixedClock, glow: Salon, uow_for: UowFor) -> None:
    async for bare in client_with(database_url, clock):
        raw = meta_bytes(envelope(change([text_message("wamid.DEVSECRET", "Hi")])))
        refused = await post(bare, raw, signature=signature_header(raw, APP_SECRET))
        accepted = await post(bare, raw, signature=signature_header(raw, DEV_WHATSAPP_APP_SECRET))
    assert refused.status_code == 403 and accepted.status_code == 200
    assert [row.wamid for row in await messages(uow_for, glow.tenant_id)] == ["wamid.DEVSECRET"]


# ---- signatures ---------------------------------------------------------------------------------------------------


async def test_a_signed_message_is_stored_as_queued_work_for_its_branch(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    payload = envelope(change([text_message("wamid.HBgMOTE5ODIwMDEyMzQ1FQIAEhgg", "नमस्ते, kal 5 baje haircut?")]))
    answer = await post(client, payload)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"stored": 1, "duplicates": 0, "skipped": 0, "ignored": 0}
    [row] = await messages(uow_for, glow.tenant_id)
    assert (row.branch_id, row.phone_number_id, row.wamid) == (glow.branch_id, NUMBER_ID,
                                                               "wamid.HBgMOTE5ODIwMDEyMzQ1FQIAEhgg")
    assert (row.customer_phone, row.contact_name, row.kind, row.text) == (
        "+919820012345", "Riya Sharma", "text", "नमस्ते, kal 5 baje haircut?")
    assert (row.status, row.attempts, row.last_error, row.processed_at) == ("queued", 0, None, None)
    assert row.received_at == NOW and row.sent_at.isoformat() == "2026-05-21T14:13:25+00:00"
    assert not any("9820012345" in record.getMessage() + json.dumps(vars(record), default=str)
                   for record in caplog.records)


async def test_a_forged_or_missing_signature_is_refused_and_nothing_is_stored(
        client: httpx.AsyncClient, glow: Salon, owner_engine: AsyncEngine) -> None:
    raw = meta_bytes(envelope(change([text_message("wamid.FORGED", "Hi")])))
    forged = await post(client, raw, signature=signature_header(raw, "not-the-app-secret"))
    missing = await client.post(URL, content=raw, headers={"Content-Type": "application/json"})
    garbage = await post(client, raw, signature="sha256=deadbeef")
    assert [r.status_code for r in (forged, missing, garbage)] == [403, 403, 403]
    assert forged.headers["content-type"] == PROBLEM
    assert await stored_anywhere(owner_engine) == 0


async def test_the_signature_must_cover_the_exact_bytes_meta_sent(client: httpx.AsyncClient, glow: Salon,
                                                                 uow_for: UowFor) -> None:
    payload = envelope(change([text_message("wamid.HINDI", "नमस्ते")]))
    raw = meta_bytes(payload)
    reserialised = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    refused = await post(client, reserialised, signature=signature_header(raw, APP_SECRET))
    assert refused.status_code == 403
    assert await messages(uow_for, glow.tenant_id) == []
    accepted = await post(client, raw, signature=signature_header(raw, APP_SECRET))
    assert accepted.status_code == 200 and accepted.json()["stored"] == 1
    assert [row.text for row in await messages(uow_for, glow.tenant_id)] == ["नमस्ते"]


# ---- at-least-once delivery, batches, order -----------------------------------------------------------------------


async def test_the_same_delivery_twice_stores_one_row(client: httpx.AsyncClient, glow: Salon,
                                                      uow_for: UowFor) -> None:
    payload = envelope(change([text_message("wamid.TWICE", "Hi")], [status("wamid.OURS1", "sent")]))
    first = await post(client, payload)
    again = await post(client, payload)
    assert first.json() == {"stored": 2, "duplicates": 0, "skipped": 0, "ignored": 0}
    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 2, "skipped": 0, "ignored": 0}
    assert [row.wamid for row in await messages(uow_for, glow.tenant_id)] == ["wamid.TWICE"]
    assert await receipts(uow_for, glow.tenant_id) == [("wamid.OURS1", "sent")]


async def test_a_batch_of_two_changes_with_two_messages_and_a_receipt_is_stored_whole(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor) -> None:
    payload = envelope(
        change([text_message("wamid.BATCH1", "Haircut kal 5 baje?")]),
        change([{"from": "919811112222", "id": "wamid.BATCH2", "timestamp": "1779372806", "type": "interactive",
                 "interactive": {"type": "button_reply", "button_reply": {"id": "confirm:42", "title": "Confirm"}},
                 "context": {"from": "912226401188", "id": "wamid.OURS7"}}],
               [status("wamid.OURS7", "read")], name="Kabir", sender="919811112222"),
        entries=2)
    answer = await post(client, payload)
    assert answer.json() == {"stored": 3, "duplicates": 0, "skipped": 0, "ignored": 0}
    rows = await messages(uow_for, glow.tenant_id)
    assert [(r.wamid, r.kind, r.customer_phone, r.contact_name, r.reply_id, r.reply_title, r.context_wamid)
            for r in rows] == [
        ("wamid.BATCH1", "text", "+919820012345", "Riya Sharma", None, None, None),
        ("wamid.BATCH2", "interactive", "+919811112222", "Kabir", "confirm:42", "Confirm", "wamid.OURS7")]
    assert await receipts(uow_for, glow.tenant_id) == [("wamid.OURS7", "read")]


async def test_receipts_out_of_order_are_all_kept_with_metas_times(client: httpx.AsyncClient, glow: Salon,
                                                                   uow_for: UowFor) -> None:
    read = await post(client, envelope(change(statuses=[status("wamid.OURS3", "read", timestamp="1779372900")])))
    delivered = await post(client, envelope(change(statuses=[status("wamid.OURS3", "delivered",
                                                                    timestamp="1779372890")])))
    failed = await post(client, envelope(change(statuses=[status("wamid.OURS4", "failed", errors=[
        {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}])])))
    assert [r.json()["stored"] for r in (read, delivered, failed)] == [1, 1, 1]
    async with uow_for(glow.tenant_id) as uow:
        rows = (await uow.session.execute(select(
            DeliveryReceipt.wamid, DeliveryReceipt.status, DeliveryReceipt.occurred_at, DeliveryReceipt.error_code,
            DeliveryReceipt.error_title, DeliveryReceipt.recipient_phone).order_by(DeliveryReceipt.occurred_at))).all()
    assert [(w, s, t.timestamp(), c, title, phone) for w, s, t, c, title, phone in rows] == [
        ("wamid.OURS4", "failed", 1779372805, 131026, "Message undeliverable", "+919820012345"),
        ("wamid.OURS3", "delivered", 1779372890, None, None, "+919820012345"),
        ("wamid.OURS3", "read", 1779372900, None, None, "+919820012345")]


# ---- what is not stored -------------------------------------------------------------------------------------------


async def test_a_number_no_salon_registered_stores_nothing_and_is_still_acknowledged(
        client: httpx.AsyncClient, glow: Salon, owner_engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    payload = envelope(change([text_message("wamid.STRAY", "Hi")], number_id="199999999999999"))
    answer = await post(client, payload)
    assert answer.status_code == 200
    assert answer.json() == {"stored": 0, "duplicates": 0, "skipped": 1, "ignored": 0}
    assert await stored_anywhere(owner_engine) == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "unregistered" in r.getMessage()]
    assert [getattr(r, "phone_number_id", None) for r in warnings] == ["199999999999999"]


@pytest.mark.parametrize("raw", [b"not json at all", b'{"object": "whatsapp_business_account", "entry": "x"}',
                                 b'{"object": "instagram", "entry": []}'])
async def test_a_signed_body_that_is_malformed_is_acknowledged_and_stores_nothing(
        client: httpx.AsyncClient, glow: Salon, owner_engine: AsyncEngine, raw: bytes,
        caplog: pytest.LogCaptureFixture) -> None:
    answer = await post(client, raw)
    assert answer.status_code == 200
    assert answer.json() == {"stored": 0, "duplicates": 0, "skipped": 1, "ignored": 0}
    assert await stored_anywhere(owner_engine) == 0
    assert any("malformed" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_a_malformed_message_in_a_batch_is_skipped_and_the_rest_is_stored(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor) -> None:
    payload = envelope(change([text_message("wamid.GOOD", "Hi"),
                               {"from": "919820012345", "id": "wamid.NOTIME", "type": "text", "text": {"body": "x"}}]),
                       {"field": "message_template_status_update", "value": {"event": "APPROVED"}})
    answer = await post(client, payload)
    assert answer.json() == {"stored": 1, "duplicates": 0, "skipped": 1, "ignored": 1}
    assert [row.wamid for row in await messages(uow_for, glow.tenant_id)] == ["wamid.GOOD"]


async def test_a_nul_character_in_a_message_does_not_make_the_delivery_fail(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor) -> None:
    answer = await post(client, envelope(change([text_message("wamid.NUL", "kal\u0000 5 baje")])))
    assert answer.status_code == 200 and answer.json()["stored"] == 1
    [row] = await messages(uow_for, glow.tenant_id)
    assert row.text == "kal 5 baje" and row.payload["text"]["body"] == "kal 5 baje"


async def test_a_body_larger_than_meta_ever_sends_is_refused_before_anything_else(
        client: httpx.AsyncClient, owner_engine: AsyncEngine) -> None:
    raw = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    answer = await post(client, raw)
    assert answer.status_code == 413
    assert await stored_anywhere(owner_engine) == 0


# ---- salons -------------------------------------------------------------------------------------------------------


async def test_one_post_for_two_salons_stores_each_salons_messages_in_its_own_salon(
        client: httpx.AsyncClient, glow: Salon, uow_for: UowFor) -> None:
    async with uow_for(uuid.uuid4()) as uow:
        other = await make_salon(uow, "shine")
        await register_number(RegisterNumber("100000000000002", other.branch_id), uow)
        await uow.commit()
    payload = envelope(change([text_message("wamid.GLOW", "Hi Glow")]),
                       change([text_message("wamid.SHINE", "Hi Shine")], number_id="100000000000002"))
    answer = await post(client, payload)
    assert answer.json()["stored"] == 2
    assert [(r.wamid, r.branch_id) for r in await messages(uow_for, glow.tenant_id)] == [
        ("wamid.GLOW", glow.branch_id)]
    assert [(r.wamid, r.branch_id) for r in await messages(uow_for, other.tenant_id)] == [
        ("wamid.SHINE", other.branch_id)]


async def test_the_demo_salons_number_reaches_glow_studio_bandra(
        client: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], clock: FixedClock,
        uow_for: UowFor) -> None:
    await seed_demo_salon(db, clock)
    await seed_demo_salon(db, clock)  # seeding again keeps the one route
    async with UnitOfWork(db, tenant_id=None, actor=Actor.system("test"), clock=clock, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    answer = await post(client, envelope(change([text_message("wamid.DEMO", "Hi")],
                                                number_id=WHATSAPP_PHONE_NUMBER_ID)))
    assert answer.json()["stored"] == 1
    async with uow_for(tenant_id) as uow:
        branch = await uow.session.scalar(select(Branch.slug).join(
            InboundMessage, InboundMessage.branch_id == Branch.id).where(InboundMessage.wamid == "wamid.DEMO"))
        numbers = list(await uow.session.scalars(select(WhatsAppNumber.display_phone)))
    assert branch == "bandra" and numbers == ["+912226401188"]
