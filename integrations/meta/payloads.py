"""Cloud API webhook bodies as Meta builds them: customer messages, delivery receipts, the envelope around them,
the exact bytes and their X-Hub-Signature-256.

The local simulator (``api/routes/dev_whatsapp.py``, ``cazo whatsapp send``), the fake Graph API's delivery
receipts (``integrations/meta/fake_graph.py``) and the tests build their webhooks here, so every one of them has
the shape ``integrations/meta/webhook.py`` reads from Meta: ``{"object": "whatsapp_business_account", "entry":
[{"id": <WABA id>, "changes": [{"field": "messages", "value": {"messaging_product", "metadata", "contacts",
"messages" | "statuses"}}]}]}``, compact JSON with non-ASCII text escaped (``\\u0928``), signed over those bytes.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from integrations.meta.webhook import OBJECT, SIGNATURE_HEADER, signature_header

SIMULATED_WABA_ID = "100000000000000"  # the WhatsApp Business Account id simulated envelopes carry
ReplyType = Literal["button_reply", "list_reply"]


def meta_bytes(payload: Mapping[str, Any]) -> bytes:
    """The body as Meta sends it: compact JSON with non-ASCII text escaped (\\u0928...)."""
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def wa_id(phone: str) -> str:
    """A WhatsApp id from an E.164 number (or one already without '+'): the digits alone."""
    digits = "".join(character for character in phone if character.isdigit())
    if not digits:
        raise ValueError("a phone number has digits")
    return digits


def new_wamid() -> str:
    """A fresh message id in Meta's form: ``wamid.`` and an opaque base64-like token."""
    return "wamid." + secrets.token_urlsafe(27)


def unix_timestamp(now: float | None = None) -> str:
    """Meta's timestamps: unix seconds, as a string."""
    return str(int(time.time() if now is None else now))


# ---- the parts -----------------------------------------------------------------------------------------------


def text_message(wamid: str, body: str, *, sender: str, timestamp: str, **extra: Any) -> dict[str, Any]:
    """A customer's text message (``sender`` is their wa_id)."""
    return {"from": sender, "id": wamid, "timestamp": timestamp, "type": "text", "text": {"body": body}, **extra}


def reply_message(wamid: str, reply_type: ReplyType, reply_id: str, title: str, *, sender: str, timestamp: str,
                  description: str | None = None, context_wamid: str | None = None,
                  business_phone: str | None = None) -> dict[str, Any]:
    """A tap on one of our reply buttons (``button_reply``) or list rows (``list_reply``); ``context_wamid`` is
    the message of ours that carried it, and ``business_phone`` the number that sent that (digits)."""
    reply: dict[str, Any] = {"id": reply_id, "title": title}
    if reply_type == "list_reply" and description:
        reply["description"] = description
    message: dict[str, Any] = {"from": sender, "id": wamid, "timestamp": timestamp, "type": "interactive",
                               "interactive": {"type": reply_type, reply_type: reply}}
    if context_wamid:
        message["context"] = {"from": business_phone or "", "id": context_wamid}
    return message


def status(wamid: str, state: str, *, recipient: str, timestamp: str, **extra: Any) -> dict[str, Any]:
    """A delivery receipt for a message we sent (``wamid`` is ours, ``recipient`` the customer's wa_id). Sent,
    delivered and read carry Meta's pricing block, as on the Cloud API since July 2025 (per-message pricing)."""
    found: dict[str, Any] = {"id": wamid, "status": state, "timestamp": timestamp, "recipient_id": recipient}
    if state in ("sent", "delivered", "read"):
        found["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service", "type": "regular"}
    return {**found, **extra}


def change(messages: Sequence[Mapping[str, Any]] | None = None,
           statuses: Sequence[Mapping[str, Any]] | None = None, *, phone_number_id: str, display_phone: str,
           contact_name: str | None = None, sender: str | None = None, user_id: str | None = None) -> dict[str, Any]:
    """One ``messages`` change for the business number ``phone_number_id`` (``display_phone`` in digits). With
    messages, ``contacts`` names their sender (``sender``'s wa_id, ``user_id``, profile ``contact_name``)."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone, "phone_number_id": phone_number_id},
    }
    if messages:
        contact: dict[str, Any] = {"profile": {"name": contact_name or ""}}
        if sender:
            contact["wa_id"] = sender
        if user_id:
            contact["user_id"] = user_id
        value["contacts"] = [contact]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"field": "messages", "value": value}


def envelope(*changes: Mapping[str, Any], entries: int = 1, waba_id: str = SIMULATED_WABA_ID) -> dict[str, Any]:
    """Meta's envelope; with ``entries`` > 1 the changes are spread over that many entries."""
    groups: list[list[Mapping[str, Any]]] = [[] for _ in range(entries)]
    for index, one in enumerate(changes):
        groups[index % entries].append(one)
    return {"object": OBJECT, "entry": [{"id": waba_id, "changes": group} for group in groups]}


# ---- whole, signed deliveries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedWebhook:
    """A webhook POST ready to send: the exact bytes, the headers Meta sends with them, and the message id in it
    (the customer's wamid, or the receipt's)."""

    body: bytes
    wamid: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


def sign(payload: Mapping[str, Any], app_secret: str, *, wamid: str) -> SignedWebhook:
    raw = meta_bytes(payload)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature_header(raw, app_secret)}
    return SignedWebhook(body=raw, wamid=wamid, headers=headers)


@dataclass(frozen=True, slots=True)
class Tap:
    """The customer tapping one of our reply buttons or list rows."""

    reply_type: ReplyType
    id: str
    title: str
    description: str | None = None


def customer_message(*, app_secret: str, phone_number_id: str, customer_phone: str, text: str | None = None,
                     tap: Tap | None = None, contact_name: str | None = None, display_phone: str | None = None,
                     context_wamid: str | None = None, wamid: str | None = None,
                     now: float | None = None) -> SignedWebhook:
    """The signed webhook Meta sends when ``customer_phone`` writes ``text`` (or makes ``tap``) to the business
    number ``phone_number_id``: a fresh wamid, the current time, the contact's profile name."""
    if (text is None) == (tap is None):
        raise ValueError("a customer message is either a text or a tap")
    sender = wa_id(customer_phone)
    business = wa_id(display_phone) if display_phone else phone_number_id
    wamid = wamid or new_wamid()
    timestamp = unix_timestamp(now)
    if tap is not None:
        message = reply_message(wamid, tap.reply_type, tap.id, tap.title, sender=sender, timestamp=timestamp,
                                description=tap.description, context_wamid=context_wamid, business_phone=business)
    else:
        assert text is not None
        message = text_message(wamid, text, sender=sender, timestamp=timestamp)
        if context_wamid:
            message["context"] = {"from": business, "id": context_wamid}
    payload = envelope(change([message], phone_number_id=phone_number_id, display_phone=business,
                              contact_name=contact_name, sender=sender))
    return sign(payload, app_secret, wamid=wamid)


def delivery_receipt(*, app_secret: str, phone_number_id: str, wamid: str, state: str, recipient: str,
                     display_phone: str | None = None, now: float | None = None) -> SignedWebhook:
    """The signed webhook Meta sends when a message of ours (``wamid``, to ``recipient``) reaches ``state``."""
    business = wa_id(display_phone) if display_phone else phone_number_id
    receipt = status(wamid, state, recipient=wa_id(recipient), timestamp=unix_timestamp(now))
    payload = envelope(change(statuses=[receipt], phone_number_id=phone_number_id, display_phone=business))
    return sign(payload, app_secret, wamid=wamid)
