"""The WhatsApp webhook without I/O: the handshake, X-Hub-Signature-256 over the raw bytes, and the Cloud API
envelope parsed into domain records. The payloads below follow Meta's webhook reference (messages, status)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.models.whatsapp import DeliveryState, InboundKind
from integrations.meta import payloads
from integrations.meta.payloads import meta_bytes
from integrations.meta.webhook import (
    parse_webhook,
    signature_header,
    verify_signature,
    verify_subscription,
)

APP_SECRET = "6f1d1c0e9a8b7c6d5e4f3a2b1c0d9e8f"
NUMBER_ID = "100000000000001"  # the demo salon's number (domain.seeding.demo_data.WHATSAPP_PHONE_NUMBER_ID)
OTHER_NUMBER_ID = "100000000000002"
CUSTOMER = "919820012345"  # a wa_id: the number in international form without '+'
WABA_ID = "102290129340398"
WHEN = "1779372805"  # 2026-05-21 14:13:25 UTC


# ---- realistic Cloud API payloads (shared with tests/e2e/test_whatsapp_webhook.py) ----------------------------
# integrations.meta.payloads builds them; these give them this module's customer, business number and time.

DISPLAY_PHONE = "912226401188"


def text_message(wamid: str, body: str, *, sender: str = CUSTOMER, timestamp: str = WHEN,
                 **extra: Any) -> dict[str, Any]:
    return payloads.text_message(wamid, body, sender=sender, timestamp=timestamp, **extra)


def status(wamid: str, state: str, *, timestamp: str = WHEN, recipient: str = CUSTOMER,
           **extra: Any) -> dict[str, Any]:
    return payloads.status(wamid, state, recipient=recipient, timestamp=timestamp, **extra)


def change(messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None, *,
           number_id: str = NUMBER_ID, name: str = "Riya Sharma", sender: str = CUSTOMER) -> dict[str, Any]:
    return payloads.change(messages, statuses, phone_number_id=number_id, display_phone=DISPLAY_PHONE,
                           contact_name=name, sender=sender, user_id="IN.1410018717833190")


def envelope(*changes: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """Meta's envelope; with ``entries`` > 1 the changes are spread over that many entries."""
    return payloads.envelope(*changes, entries=entries, waba_id=WABA_ID)


# ---- the handshake ------------------------------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_only_for_a_subscription_with_our_token() -> None:
    assert verify_subscription("subscribe", "glow-verify-token", "1158201444", "glow-verify-token") == "1158201444"
    assert verify_subscription("subscribe", "guess", "1158201444", "glow-verify-token") is None
    assert verify_subscription("unsubscribe", "glow-verify-token", "1158201444", "glow-verify-token") is None
    assert verify_subscription("subscribe", "glow-verify-token", None, "glow-verify-token") is None
    assert verify_subscription("subscribe", "नमस्ते", "1", "glow-verify-token") is None


def test_without_a_configured_verify_token_nothing_verifies() -> None:
    assert verify_subscription("subscribe", "", "1158201444", None) is None
    assert verify_subscription("subscribe", "", "1158201444", "") is None


# ---- the signature ------------------------------------------------------------------------------------------------


def test_the_signature_is_the_app_secrets_hmac_of_the_raw_bytes() -> None:
    raw = meta_bytes(envelope(change([text_message("wamid.A1", "Hi")])))
    header = signature_header(raw, APP_SECRET)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(raw, header, APP_SECRET)
    assert verify_signature(raw, header.upper().replace("SHA256=", "sha256="), APP_SECRET)  # hex case is no matter


def test_a_forged_or_altered_signature_is_refused() -> None:
    raw = meta_bytes(envelope(change([text_message("wamid.A1", "Hi")])))
    assert not verify_signature(raw, signature_header(raw, "someone-elses-secret"), APP_SECRET)
    assert not verify_signature(raw.replace(b"Hi", b"Ho"), signature_header(raw, APP_SECRET), APP_SECRET)
    assert not verify_signature(raw, signature_header(raw, APP_SECRET).replace("sha256=", "sha1="), APP_SECRET)


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256", "sha256=zz", "sha256=ü" * 3, "Bearer x"])
def test_a_missing_or_meaningless_header_is_refused(header: str | None) -> None:
    raw = meta_bytes(envelope(change([text_message("wamid.A1", "Hi")])))
    assert not verify_signature(raw, header, APP_SECRET)


def test_no_app_secret_verifies_nothing() -> None:
    raw = b"{}"
    assert not verify_signature(raw, signature_header(raw, ""), "")


def test_the_signature_covers_the_bytes_meta_sent_not_the_json_they_parse_to() -> None:
    payload = envelope(change([text_message("wamid.A1", "नमस्ते, kal 5 baje haircut?")]))
    raw = meta_bytes(payload)
    assert b"\\u0928" in raw  # Meta escapes non-ASCII text
    header = signature_header(raw, APP_SECRET)
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode("utf-8")
    assert json.loads(reserialised) == json.loads(raw)
    assert verify_signature(raw, header, APP_SECRET)
    assert not verify_signature(reserialised, header, APP_SECRET)


# ---- the envelope -------------------------------------------------------------------------------------------------


def only_message(message: dict[str, Any]) -> Any:
    parsed = parse_webhook(meta_bytes(envelope(change([message]))))
    assert parsed.problems == ()
    [delivery] = parsed.deliveries
    [received] = delivery.messages
    return received


def test_a_text_message_comes_with_its_sender_in_e164_and_their_profile_name() -> None:
    received = only_message(text_message("wamid.HBgMOTE5ODIwMDEyMzQ1FQIAEhgg", "नमस्ते", from_user_id="IN.14100187"))
    assert received.wamid == "wamid.HBgMOTE5ODIwMDEyMzQ1FQIAEhgg"
    assert received.kind is InboundKind.TEXT and received.text == "नमस्ते"
    assert received.customer_phone == "+919820012345" and received.customer_user_id == "IN.14100187"
    assert received.contact_name == "Riya Sharma"
    assert received.sent_at == datetime(2026, 5, 21, 14, 13, 25, tzinfo=UTC)
    assert received.payload["text"] == {"body": "नमस्ते"}


INTERACTIVE_AND_MEDIA = [
    ({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {
        "id": "confirm:booking-42", "title": "Confirm"}}, "context": {"from": "912226401188", "id": "wamid.OURS1"}},
     {"kind": InboundKind.INTERACTIVE, "reply_id": "confirm:booking-42", "reply_title": "Confirm",
      "context_wamid": "wamid.OURS1"}),
    ({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {
        "id": "slot:2026-05-22T11:30", "title": "Fri 11:30", "description": "with Asha"}}},
     {"kind": InboundKind.INTERACTIVE, "reply_id": "slot:2026-05-22T11:30", "reply_title": "Fri 11:30"}),
    ({"type": "button", "button": {"payload": "RESCHEDULE", "text": "Change time"}},
     {"kind": InboundKind.BUTTON, "reply_id": "RESCHEDULE", "reply_title": "Change time", "text": "Change time"}),
    ({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "abc=", "id": "1146219707468871",
                                 "voice": True}},
     {"kind": InboundKind.VOICE, "media_id": "1146219707468871", "mime_type": "audio/ogg; codecs=opus"}),
    ({"type": "audio", "audio": {"mime_type": "audio/mpeg", "sha256": "abc=", "id": "2146219707468871",
                                 "voice": False}},
     {"kind": InboundKind.AUDIO, "media_id": "2146219707468871", "mime_type": "audio/mpeg"}),
    ({"type": "image", "image": {"caption": "This style please", "mime_type": "image/jpeg", "sha256": "x=",
                                 "id": "3146219707468871"}},
     {"kind": InboundKind.IMAGE, "media_id": "3146219707468871", "mime_type": "image/jpeg",
      "text": "This style please"}),
    ({"type": "location", "location": {"latitude": 19.0596, "longitude": 72.8295, "name": "Pali Naka",
                                       "address": "Bandra West, Mumbai"}},
     {"kind": InboundKind.LOCATION, "text": "Pali Naka, Bandra West, Mumbai"}),
    ({"type": "reaction", "reaction": {"message_id": "wamid.OURS2", "emoji": "\U0001F44D"}},
     {"kind": InboundKind.REACTION, "text": "\U0001F44D", "context_wamid": "wamid.OURS2"}),
    ({"type": "reaction", "reaction": {"message_id": "wamid.OURS2"}},
     {"kind": InboundKind.REACTION, "text": "", "context_wamid": "wamid.OURS2"}),
    ({"type": "video", "video": {"mime_type": "video/mp4", "id": "4146219707468871"}},
     {"kind": InboundKind.UNSUPPORTED, "media_id": None}),
    ({"type": "sticker", "sticker": {"mime_type": "image/webp", "id": "5146219707468871", "animated": False}},
     {"kind": InboundKind.UNSUPPORTED}),
    ({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown",
                                         "error_data": {"details": "Message type is currently not supported."}}]},
     {"kind": InboundKind.UNSUPPORTED}),
    ({"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}},
     {"kind": InboundKind.UNSUPPORTED}),
]


@pytest.mark.parametrize(("content", "expected"), INTERACTIVE_AND_MEDIA,
                         ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(INTERACTIVE_AND_MEDIA)])
def test_each_kind_of_message_is_read_into_its_columns(content: dict[str, Any], expected: dict[str, Any]) -> None:
    received = only_message({"from": CUSTOMER, "id": "wamid.K1", "timestamp": WHEN, **content})
    assert {key: getattr(received, key) for key in expected} == expected
    assert received.payload["type"] == content["type"]


def test_a_whatsapp_id_outside_the_known_number_ranges_is_kept_as_e164_not_dropped() -> None:
    received = only_message(text_message("wamid.NEW", "hi", sender="910000000000"))
    assert received.customer_phone == "+910000000000"


def test_nul_characters_postgresql_cannot_store_are_dropped_everywhere() -> None:
    received = only_message(text_message("wamid.NUL", "a\u0000b", extra_field="x\u0000"))
    assert received.text == "ab" and received.payload["extra_field"] == "x"


def test_a_customer_known_only_by_their_user_id_is_kept_without_a_phone() -> None:
    message = {"from_user_id": "IN.1410018717833190", "id": "wamid.U1", "timestamp": WHEN, "type": "text",
               "text": {"body": "hello"}}
    received = only_message(message)
    assert received.customer_phone is None and received.customer_user_id == "IN.1410018717833190"
    assert received.contact_name == "Riya Sharma"  # matched on the contact's user_id


def test_a_batch_of_entries_changes_messages_and_receipts_is_read_whole() -> None:
    payload = envelope(
        change([text_message("wamid.B1", "Hi"), text_message("wamid.B2", "Haircut kal?")]),
        change(statuses=[status("wamid.OURS1", "delivered"), status("wamid.OURS1", "read")],
               number_id=OTHER_NUMBER_ID),
        change([text_message("wamid.B3", "Thanks", sender="919811112222")], name="Kabir", sender="919811112222"),
        entries=2)
    parsed = parse_webhook(meta_bytes(payload))
    assert parsed.problems == () and parsed.ignored == 0
    assert [(d.phone_number_id, [m.wamid for m in d.messages], [(s.wamid, s.state) for s in d.statuses])
            for d in parsed.deliveries] == [
        (NUMBER_ID, ["wamid.B1", "wamid.B2"], []),
        (NUMBER_ID, ["wamid.B3"], []),
        (OTHER_NUMBER_ID, [], [("wamid.OURS1", DeliveryState.DELIVERED), ("wamid.OURS1", DeliveryState.READ)]),
    ]
    assert parsed.deliveries[1].messages[0].contact_name == "Kabir"


def test_a_failed_receipt_carries_metas_error_code_and_title() -> None:
    failed = status("wamid.OURS9", "failed", errors=[{
        "code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
        "error_data": {"details": "Message failed to send because more than 24 hours have passed."}}])
    [delivery] = parse_webhook(meta_bytes(envelope(change(statuses=[failed])))).deliveries
    [receipt] = delivery.statuses
    assert (receipt.state, receipt.error_code, receipt.error_title) == (DeliveryState.FAILED, 131047,
                                                                       "Re-engagement message")
    assert receipt.recipient_phone == "+919820012345"
    assert receipt.occurred_at == datetime(2026, 5, 21, 14, 13, 25, tzinfo=UTC)


def test_malformed_parts_are_skipped_and_named_while_the_rest_of_the_batch_counts() -> None:
    payload = envelope(
        change([
            text_message("wamid.OK1", "fine"),
            {"from": CUSTOMER, "timestamp": WHEN, "type": "text", "text": {"body": "no id"}},
            {"from": CUSTOMER, "id": "wamid.BAD2", "type": "text", "text": {"body": "no timestamp"}},
            {"from": "+91 98200", "id": "wamid.BAD3", "timestamp": WHEN, "type": "text", "text": {"body": "?"}},
            {"from": CUSTOMER, "id": "wamid.BAD4", "timestamp": WHEN, "type": "text", "text": "flat"},
            {"from": CUSTOMER, "id": "wamid.BAD5", "timestamp": WHEN, "type": "location", "location": {}},
            "a string where a message goes",
        ], statuses=[status("wamid.OURS1", "deleted"), status("wamid.OURS1", "sent")]),
        {"field": "messages", "value": {"metadata": {}, "messages": [text_message("wamid.LOST", "no number id")]}},
        {"field": "account_update", "value": {"phone_number": "912226401188", "event": "VERIFIED_ACCOUNT"}},
        "a string where a change goes")
    parsed = parse_webhook(meta_bytes(payload))
    [delivery] = parsed.deliveries
    assert [m.wamid for m in delivery.messages] == ["wamid.OK1"]
    assert [s.state for s in delivery.statuses] == [DeliveryState.SENT]
    assert parsed.ignored == 1
    assert len(parsed.problems) == 9, parsed.problems
    assert parsed.problems[0] == "entry[0].changes[0].value.messages[1]: no message id"
    assert any("changes[1]: no phone_number_id" in problem for problem in parsed.problems)
    assert not any("9820012345" in problem for problem in parsed.problems)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"object": "page", "entry": []}',
                                 b'{"object": "whatsapp_business_account", "entry": {"id": "1"}}'])
def test_a_body_that_is_no_whatsapp_envelope_gives_nothing_and_one_problem(raw: bytes) -> None:
    parsed = parse_webhook(raw)
    assert parsed.deliveries == () and len(parsed.problems) == 1


def test_an_envelope_with_no_messages_gives_no_delivery() -> None:
    parsed = parse_webhook(meta_bytes(envelope(change())))
    assert parsed.deliveries == () and parsed.problems == ()
