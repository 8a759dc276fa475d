"""Webhook traffic as Meta's Cloud API sends it, for ``bench_whatsapp.py``: signed deliveries to one business number.

Each delivery is one POST body as Meta sends it (compact JSON, non-ASCII escaped as ``\\u0928``) with its
X-Hub-Signature-256. Most carry one customer message (a text, now and then a reply-button tap) from one of a few
thousand customers; a share carry one delivery receipt (sent, delivered, read) for a message the salon sent; and a
share are exact redeliveries of an earlier body, byte for byte with the same signature, as Meta sends when it did
not see a 200 in time. Everything random comes from the ``random.Random`` handed in, so a seed gives the same
traffic; the wamids also carry a per-run tag, so runs against one database never collide.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from integrations.meta.webhook import signature_header

WABA_ID = "102290129340398"
DISPLAY_PHONE = "912226401188"  # Glow Studio Bandra's landline, the demo number's display number
TEXTS = (
    "Hi", "namaste", "Hello, are you open today?", "kal 5 baje haircut?", "beard trim ka price kya hai?",
    "Can I book a hair spa for Saturday 4pm?", "मुझे कल शाम को फेशियल बुक करना है", "meri booking",
    "Cancel my booking please", "Is Priya free tomorrow morning?", "haircut aur beard dono karwana hai",
    "Thank you!", "कितने बजे तक खुले हो?", "Reschedule to Sunday 11 am", "ok", "Global colour kitna hoga?",
    "mere liye aaj 6 baje slot hai kya", "Do you have parking near the Bandra salon?",
)
NAMES = ("Riya Sharma", "Kabir Mehta", "Ananya Iyer", "Arjun Nair", "Sneha Kulkarni", "Vikram Singh", "Pooja",
         "Rahul Deshpande", "Meera Joshi", "Aditya", "नेहा गुप्ता", "Farhan Qureshi", "Ishita Rao", "Sameer")
BUTTONS = (("confirm:yes", "Confirm"), ("confirm:no", "Change time"), ("slot:1700", "5:00 pm"),
           ("slot:1115", "11:15 am"), ("menu:hair", "Hair"), ("booking:cancel", "Cancel booking"))
RECEIPT_STATES = ("sent", "delivered", "read")

Kind = Literal["message", "receipt", "redelivery"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST. ``key`` names what it stores: ("message", wamid) or ("receipt", "wamid status")."""

    kind: Kind
    body: bytes
    headers: dict[str, str]
    key: tuple[str, str]


@dataclass(frozen=True)
class Traffic:
    """The deliveries in sending order, and what the database must hold afterwards."""

    deliveries: tuple[Delivery, ...]
    messages: frozenset[str]  # unique customer-message wamids
    receipts: frozenset[tuple[str, str]]  # unique (wamid, status) receipts

    @property
    def redeliveries(self) -> int:
        return sum(delivery.kind == "redelivery" for delivery in self.deliveries)


def _wamid(rng: random.Random, tag: str, serial: int, phone: str) -> str:
    """Shaped like Meta's (``wamid.HBgM`` + base64 of the sender and a random id), unique per run and serial."""
    raw = f"{phone}{tag}{serial:07d}{rng.getrandbits(64):016X}".encode("ascii")
    return "wamid.HBgM" + base64.b64encode(raw).decode("ascii").rstrip("=")


def _envelope(number_id: str, value: dict[str, Any]) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": DISPLAY_PHONE, "phone_number_id": number_id}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def _customer_message(rng: random.Random, wamid: str, phone: str, name: str, sent: int) -> dict[str, Any]:
    if rng.random() < 0.1:  # a tap on one of the salon's reply buttons
        reply_id, title = rng.choice(BUTTONS)
        our = _wamid(rng, "ours", sent, DISPLAY_PHONE)
        message: dict[str, Any] = {
            "context": {"from": DISPLAY_PHONE, "id": our}, "from": phone, "id": wamid, "timestamp": str(sent),
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}}
    else:
        message = {"from": phone, "id": wamid, "timestamp": str(sent), "type": "text",
                   "text": {"body": rng.choice(TEXTS)}}
    return {"contacts": [{"profile": {"name": name}, "wa_id": phone}], "messages": [message]}


def _receipt(wamid: str, state: str, phone: str, sent: int, conversation: str) -> dict[str, Any]:
    status: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(sent), "recipient_id": phone,
                              "conversation": {"id": conversation, "origin": {"type": "service"}},
                              "pricing": {"billable": True, "pricing_model": "PMP", "category": "service",
                                          "type": "regular"}}
    if state == "sent":
        status["conversation"]["expiration_timestamp"] = str(sent + 86_400)
    return {"statuses": [status]}


def build_traffic(count: int, *, rng: random.Random, tag: str, number_id: str, app_secret: str, now: int,
                  customers: int = 2000, receipt_share: float = 0.25, redelivery_share: float = 0.05) -> Traffic:
    """``count`` deliveries for ``number_id``, signed with ``app_secret``, with Meta timestamps around ``now``.

    Receipts come in order for each message the salon sent (sent, then delivered, then read), each its own POST.
    A redelivery repeats a random earlier delivery: a recent one may still be in flight when it is sent, which is
    the race the database's unique ids must settle."""
    phones: Sequence[str] = [f"9198{20_000_000 + index * 37:08d}" for index in range(customers)]
    names = [rng.choice(NAMES) for _ in phones]
    deliveries: list[Delivery] = []
    messages: set[str] = set()
    receipts: set[tuple[str, str]] = set()
    outbound: tuple[str, str, str] | None = None  # (our wamid, recipient, conversation id) being receipted
    state = 0
    for serial in range(count):
        draw = rng.random()
        if deliveries and draw < redelivery_share:
            original = rng.choice(deliveries)
            deliveries.append(Delivery("redelivery", original.body, original.headers, original.key))
            continue
        sent = now - rng.randrange(0, 5)
        if draw < redelivery_share + receipt_share:
            if outbound is None or state == len(RECEIPT_STATES):
                phone = rng.choice(phones)
                outbound, state = (_wamid(rng, tag + "o", serial, DISPLAY_PHONE), phone,
                                   f"{rng.getrandbits(128):032x}"), 0
            wamid, phone, conversation = outbound
            value = _receipt(wamid, RECEIPT_STATES[state], phone, sent, conversation)
            kind: Kind = "receipt"
            key = (kind, f"{wamid} {RECEIPT_STATES[state]}")
            receipts.add((wamid, RECEIPT_STATES[state]))
            state += 1
        else:
            customer = rng.randrange(customers)
            wamid = _wamid(rng, tag, serial, phones[customer])
            value = _customer_message(rng, wamid, phones[customer], names[customer], sent)
            kind = "message"
            key = (kind, wamid)
            messages.add(wamid)
        body = json.dumps(_envelope(number_id, value), separators=(",", ":")).encode("ascii")
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua",
                   "X-Hub-Signature-256": signature_header(body, app_secret)}
        deliveries.append(Delivery(kind, body, headers, key))
    return Traffic(tuple(deliveries), frozenset(messages), frozenset(receipts))
