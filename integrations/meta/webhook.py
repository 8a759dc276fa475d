"""The WhatsApp Cloud API webhook, without I/O: the verification handshake, the X-Hub-Signature-256 check, and the
envelope parsed into domain records.

Meta signs the exact bytes it sends (HMAC-SHA256 keyed with the app secret) and escapes non-ASCII text in them
(``\\u0928...``), so the signature is checked over the raw body before any JSON parsing: re-serialising the parsed
JSON gives other bytes. The envelope is ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {"metadata": {"phone_number_id"}, "contacts", "messages", "statuses"}}]}]}``; one POST may
batch several entries, changes, messages and receipts. A malformed part is skipped and named in ``problems``
(never with a phone number in it); the rest of the batch still counts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.errors import InvalidInput
from domain.models.whatsapp import DeliveryState, InboundKind
from domain.phone import E164_PATTERN, normalise_phone
from domain.services.whatsapp import NumberDelivery, ReceivedMessage, ReceivedStatus

SIGNATURE_HEADER = "X-Hub-Signature-256"
OBJECT = "whatsapp_business_account"
_DIGITS = re.compile(r"^[0-9]{1,32}$")
_MAX_ID = 128  # a wamid or media id; conversation_turns.message_id has the same width
T = TypeVar("T")


# ---- the handshake and the signature ----------------------------------------------------------------------------


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def verify_subscription(mode: str | None, token: str | None, challenge: str | None,
                        verify_token: str | None) -> str | None:
    """The challenge to echo when Meta's GET is a subscription with our verify token; otherwise None."""
    if not verify_token or mode != "subscribe" or token is None or challenge is None:
        return None
    return challenge if _same(token, verify_token) else None


def signature_header(raw_body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends with ``raw_body``: ``sha256=<lowercase hex>``."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is the app secret's HMAC-SHA256 of exactly these bytes (compared in constant time)."""
    if not app_secret or not header:
        return False
    scheme, separator, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not separator or not given.isascii():
        return False
    return _same(given.lower(), signature_header(raw_body, app_secret).removeprefix("sha256="))


# ---- the envelope -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedWebhook:
    deliveries: tuple[NumberDelivery, ...]
    problems: tuple[str, ...] = ()  # each malformed part skipped: where it was and why
    ignored: int = 0  # changes of fields other than "messages" (account, template and quality updates)


class _Skip(Exception):
    """This part of the envelope is malformed; the message says why."""


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Skip(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Skip(f"{what} is not a list")
    return value


def _text(value: Any, what: str, *, limit: int | None = None) -> str | None:
    """A string field; None when absent. Too long for its column: malformed (an id cut short is another id)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Skip(f"{what} is not a string")
    if limit is not None and len(value) > limit:
        raise _Skip(f"{what} is longer than {limit} characters")
    return value


def _required(value: Any, what: str, *, limit: int | None = None) -> str:
    found = _text(value, what, limit=limit)
    if found is None:
        raise _Skip(f"no {what}")
    return found


def _clip(value: Any, limit: int) -> str | None:
    """Free text (a name, a title) kept to its column's width."""
    return value[:limit] if isinstance(value, str) and value else None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
        raise _Skip("no timestamp (unix seconds)")
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _Skip("the timestamp is out of range") from None


def _phone(wa_id: Any) -> str | None:
    """E.164 from a WhatsApp id (the number in international form without '+'); None when it is not one.

    A number WhatsApp delivers from is real even when the installed phone-number metadata does not know its range
    yet, so an E.164-shaped id is kept as it is rather than losing the customer's message."""
    if not isinstance(wa_id, str) or not wa_id.isdigit():
        return None
    try:
        return normalise_phone("+" + wa_id)
    except InvalidInput:
        return "+" + wa_id if E164_PATTERN.match("+" + wa_id) else None


def _contact_names(value: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in value.get("contacts") or []:
        if not isinstance(contact, dict) or not isinstance(contact.get("profile"), dict):
            continue
        name = _clip(contact["profile"].get("name"), 200)
        for key in ("wa_id", "user_id"):
            if name and isinstance(contact.get(key), str):
                names[contact[key]] = name
    return names


_KNOWN = frozenset({"text", "interactive", "button", "audio", "image", "location", "reaction"})


def _content(kind: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """The kind and the columns that depend on it."""
    if kind not in _KNOWN:
        return {"kind": InboundKind.UNSUPPORTED}  # video, document, sticker, contacts, order, system, unsupported
    body = _object(message.get(kind), kind)
    if kind == "text":
        return {"kind": InboundKind.TEXT, "text": _required(body.get("body"), "text body")}
    if kind == "interactive":
        reply_type = body.get("type")
        if reply_type not in ("button_reply", "list_reply"):
            return {"kind": InboundKind.UNSUPPORTED}  # a Flow's answer (nfm_reply) and anything newer
        reply = _object(body.get(reply_type), reply_type)
        return {"kind": InboundKind.INTERACTIVE, "reply_title": _clip(reply.get("title"), 200),
                "reply_id": _required(reply.get("id"), "reply id", limit=256)}
    if kind == "button":
        title = _clip(body.get("text"), 200)
        return {"kind": InboundKind.BUTTON, "reply_id": _text(body.get("payload"), "button payload", limit=256),
                "reply_title": title, "text": title}
    if kind in ("audio", "image"):
        voice = kind == "audio" and body.get("voice") is True
        return {"kind": InboundKind.VOICE if voice else InboundKind(kind),
                "media_id": _required(body.get("id"), f"{kind} id", limit=_MAX_ID),
                "mime_type": _text(body.get("mime_type"), "mime type", limit=100),
                "text": _clip(body.get("caption"), 4096)}
    if kind == "location":
        if not all(isinstance(body.get(axis), int | float) and not isinstance(body.get(axis), bool)
                   for axis in ("latitude", "longitude")):
            raise _Skip("a location without latitude and longitude")
        place = ", ".join(part for part in (_clip(body.get("name"), 200), _clip(body.get("address"), 500)) if part)
        return {"kind": InboundKind.LOCATION, "text": place or None}
    # a reaction: an empty emoji takes an earlier reaction back
    return {"kind": InboundKind.REACTION, "text": _clip(body.get("emoji"), 32) or "",
            "context_wamid": _required(body.get("message_id"), "reacted message id", limit=_MAX_ID)}


def _message(message_value: Any, names: Mapping[str, str]) -> ReceivedMessage:
    message = _object(message_value, "the message")
    wamid = _required(message.get("id"), "message id", limit=_MAX_ID)
    sender = message.get("from")
    user_id = _text(message.get("from_user_id"), "sender user id", limit=160)
    phone = _phone(sender)
    if phone is None and user_id is None:
        raise _Skip("no sender: neither a phone number nor a user id")
    kind = _required(message.get("type"), "message type", limit=40)
    context = message.get("context")
    columns: dict[str, Any] = {"context_wamid": _text(context.get("id"), "context id", limit=_MAX_ID)
                               if isinstance(context, dict) else None}
    columns.update(_content(kind, message))
    name = (names.get(sender) if isinstance(sender, str) else None) or (names.get(user_id) if user_id else None)
    return ReceivedMessage(wamid=wamid, sent_at=_timestamp(message.get("timestamp")), customer_phone=phone,
                           customer_user_id=user_id, contact_name=name, payload=message, **columns)


_STATES = frozenset(state.value for state in DeliveryState)


def _status(status_value: Any) -> ReceivedStatus:
    status = _object(status_value, "the status")
    wamid = _required(status.get("id"), "message id", limit=_MAX_ID)
    state = status.get("status")
    if not isinstance(state, str) or state not in _STATES:
        raise _Skip(f"unknown status {str(state)[:20]!r}")
    group = status.get("recipient_type") == "group"
    errors = _list(status.get("errors"), "errors")
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = first.get("code")
    return ReceivedStatus(
        wamid=wamid, state=DeliveryState(state), occurred_at=_timestamp(status.get("timestamp")),
        recipient_phone=None if group else _phone(status.get("recipient_id")),
        recipient_user_id=_text(status.get("recipient_user_id"), "recipient user id", limit=160),
        error_code=code if isinstance(code, int) and not isinstance(code, bool) and abs(code) < 2**31 else None,
        error_title=_clip(first.get("title") or first.get("message"), 500), payload=status)


def _each(items: list[Any], where: str, parse: Callable[[Any], T], problems: list[str]) -> tuple[T, ...]:
    parsed: list[T] = []
    for index, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except _Skip as skip:
            problems.append(f"{where}[{index}]: {skip}")
    return tuple(parsed)


def _change(change_value: Any, where: str, problems: list[str]) -> NumberDelivery | None:
    change = _object(change_value, "the change")
    value = _object(change.get("value"), "value")
    metadata = _object(value.get("metadata"), "metadata")
    number = metadata.get("phone_number_id")
    if not isinstance(number, str) or not _DIGITS.match(number):
        raise _Skip("no phone_number_id in metadata")
    names = _contact_names(value)
    messages = _each(_list(value.get("messages"), "messages"), f"{where}.messages",
                     lambda item: _message(item, names), problems)
    statuses = _each(_list(value.get("statuses"), "statuses"), f"{where}.statuses", _status, problems)
    if not messages and not statuses:
        return None
    return NumberDelivery(phone_number_id=number, messages=messages, statuses=statuses)


def _without_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb cannot hold U+0000; a stray one must not make the whole delivery fail forever."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def parse_webhook(raw_body: bytes) -> ParsedWebhook:
    """Every message and receipt in a webhook body. Never raises: a body that is not a WhatsApp envelope at all
    gives no deliveries and one problem."""
    try:
        envelope = _without_nul(json.loads(raw_body))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ParsedWebhook((), ("the body is not JSON",))
    if not isinstance(envelope, dict) or envelope.get("object") != OBJECT:
        return ParsedWebhook((), (f"the body is not a {OBJECT} notification",))
    problems: list[str] = []
    deliveries: list[NumberDelivery] = []
    ignored = 0
    try:
        entries = _list(envelope.get("entry"), "entry")
    except _Skip as skip:
        return ParsedWebhook((), (str(skip),))
    for e, entry in enumerate(entries):
        try:
            changes = _list(_object(entry, "the entry").get("changes"), "changes")
        except _Skip as skip:
            problems.append(f"entry[{e}]: {skip}")
            continue
        for c, change in enumerate(changes):
            where = f"entry[{e}].changes[{c}]"
            if isinstance(change, dict) and change.get("field") not in (None, "messages"):
                ignored += 1
                continue
            try:
                delivery = _change(change, f"{where}.value", problems)
            except _Skip as skip:
                problems.append(f"{where}: {skip}")
                continue
            if delivery is not None:
                deliveries.append(delivery)
    return ParsedWebhook(tuple(deliveries), tuple(problems), ignored)
