"""What the Graph API checks in a send-message body before it accepts it, for the fake Graph API.

Each check returns ``None`` for a body Meta would accept, or the reason it would refuse it (the text the fake puts in
``error_data.details``). The limits are the Cloud API's published ones, the same ``tools.replies`` builds replies
within: 1-3 reply buttons, a list of 1-10 sections and at most 10 rows in all, and the lengths of titles, ids, bodies,
headers and footers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tools.replies import (
    BODY_MAX,
    BUTTON_ID_MAX,
    BUTTON_TITLE_MAX,
    BUTTONS_MAX,
    FOOTER_MAX,
    HEADER_MAX,
    LIST_BUTTON_MAX,
    LIST_ROWS_MAX,
    LIST_SECTIONS_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_ID_MAX,
    ROW_TITLE_MAX,
    SECTION_TITLE_MAX,
    TEXT_MAX,
)

MESSAGE_TYPES = frozenset({"text", "interactive", "template", "image", "audio", "video", "document", "sticker",
                           "location", "contacts", "reaction"})
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
INTERACTIVE_TYPES = frozenset({"button", "list", "cta_url", "flow", "product", "product_list",
                               "location_request_message"})


class Refused(Exception):
    """The body is not one the Graph API accepts; the message says which part and why."""


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Refused(f"{where} must be an object")
    return value


def _string(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{where} is required")
    if len(value) > limit:
        raise Refused(f"{where} is longer than {limit} characters")
    return value


def _number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"{where} must be a number")


def recipient_digits(to: Any) -> str:
    """The wa_id a ``to`` field names: E.164 with or without '+', spaces or dashes; otherwise Refused."""
    if not isinstance(to, str):
        raise Refused("to is required")
    digits = "".join(character for character in to if character not in "+ -()")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise Refused("to is not a phone number")
    return digits


def _text(body: Mapping[str, Any]) -> None:
    _string(body.get("body"), "text.body", TEXT_MAX)


def _buttons(action: Mapping[str, Any]) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTONS_MAX:
        raise Refused(f"interactive.action.buttons must hold 1 to {BUTTONS_MAX} buttons")
    ids: set[str] = set()
    titles: set[str] = set()
    for index, button in enumerate(buttons):
        where = f"interactive.action.buttons[{index}]"
        if _object(button, where).get("type") != "reply":
            raise Refused(f"{where}.type must be reply")
        reply = _object(button.get("reply"), f"{where}.reply")
        ids.add(_string(reply.get("id"), f"{where}.reply.id", BUTTON_ID_MAX))
        titles.add(_string(reply.get("title"), f"{where}.reply.title", BUTTON_TITLE_MAX))
    if len(ids) != len(buttons) or len(titles) != len(buttons):
        raise Refused("interactive.action.buttons must have unique ids and titles")


def _list(action: Mapping[str, Any]) -> None:
    _string(action.get("button"), "interactive.action.button", LIST_BUTTON_MAX)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= LIST_SECTIONS_MAX:
        raise Refused(f"interactive.action.sections must hold 1 to {LIST_SECTIONS_MAX} sections")
    ids: set[str] = set()
    rows_in_all = 0
    for index, section in enumerate(sections):
        where = f"interactive.action.sections[{index}]"
        section = _object(section, where)
        if len(sections) > 1 or section.get("title") is not None:
            _string(section.get("title"), f"{where}.title", SECTION_TITLE_MAX)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise Refused(f"{where}.rows must hold at least one row")
        for number, row in enumerate(rows):
            at = f"{where}.rows[{number}]"
            row = _object(row, at)
            ids.add(_string(row.get("id"), f"{at}.id", ROW_ID_MAX))
            _string(row.get("title"), f"{at}.title", ROW_TITLE_MAX)
            if row.get("description") is not None:
                _string(row.get("description"), f"{at}.description", ROW_DESCRIPTION_MAX)
            rows_in_all += 1
    if rows_in_all > LIST_ROWS_MAX:
        raise Refused(f"a list holds at most {LIST_ROWS_MAX} rows in all")
    if len(ids) != rows_in_all:
        raise Refused("list row ids must be unique")


def _interactive(body: Mapping[str, Any]) -> None:
    kind = body.get("type")
    if kind not in INTERACTIVE_TYPES:
        raise Refused("interactive.type is not one the Cloud API knows")
    if kind in ("button", "list"):
        _string(_object(body.get("body"), "interactive.body").get("text"), "interactive.body.text", BODY_MAX)
        action = _object(body.get("action"), "interactive.action")
        if kind == "button":
            _buttons(action)
        else:
            _list(action)
    header = body.get("header")
    if header is not None and _object(header, "interactive.header").get("type") == "text":
        _string(header.get("text"), "interactive.header.text", HEADER_MAX)
    if body.get("footer") is not None:
        _string(_object(body["footer"], "interactive.footer").get("text"), "interactive.footer.text", FOOTER_MAX)


def _template(body: Mapping[str, Any]) -> None:
    _string(body.get("name"), "template.name", 512)
    _string(_object(body.get("language"), "template.language").get("code"), "template.language.code", 15)
    components = body.get("components")
    if components is not None:
        if not isinstance(components, list):
            raise Refused("template.components must be a list")
        for index, component in enumerate(components):
            where = f"template.components[{index}]"
            _string(_object(component, where).get("type"), f"{where}.type", 20)
            if not isinstance(component.get("parameters", []), list):
                raise Refused(f"{where}.parameters must be a list")


def _media(kind: str) -> Callable[[Mapping[str, Any]], None]:
    def check(body: Mapping[str, Any]) -> None:
        if not body.get("id") and not body.get("link"):
            raise Refused(f"{kind} needs an id or a link")

    return check


def _location(body: Mapping[str, Any]) -> None:
    _number(body.get("latitude"), "location.latitude")
    _number(body.get("longitude"), "location.longitude")


def _reaction(body: Mapping[str, Any]) -> None:
    _string(body.get("message_id"), "reaction.message_id", 128)
    if not isinstance(body.get("emoji"), str):
        raise Refused("reaction.emoji is required")


_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "text": _text, "interactive": _interactive, "template": _template, "location": _location,
    "reaction": _reaction, **{kind: _media(kind) for kind in MEDIA_TYPES},
}


def check_send(body: Any) -> tuple[str, str]:
    """The recipient's wa_id and the message type of a send-message body Meta would accept; Refused otherwise."""
    body = _object(body, "the body")
    if body.get("messaging_product") != "whatsapp":
        raise Refused("messaging_product must be whatsapp")
    if body.get("recipient_type", "individual") != "individual":
        raise Refused("recipient_type must be individual")
    digits = recipient_digits(body.get("to"))
    kind = body.get("type", "text")  # Meta reads a body without a type as text
    if kind not in MESSAGE_TYPES:
        raise Refused("type is not a message type the Cloud API sends")
    content = body.get(kind)
    if kind == "contacts":
        if not isinstance(content, list) or not content:
            raise Refused("contacts must be a list of contacts")
    else:
        _CHECKS[kind](_object(content, kind))
    return digits, str(kind)
