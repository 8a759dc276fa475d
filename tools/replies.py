"""What Cazo says back: WhatsApp-shaped reply objects, checked against the Cloud API's limits when built.

The conversation graph produces them; the channel adapter (integrations/) sends them; the terminal chat shows
buttons and list rows as numbered options. Limits (Meta Cloud API, interactive messages): at most 3 reply buttons
with titles of at most 20 characters and ids of at most 256; lists of at most 10 rows over at most 10 sections,
row titles of at most 24 characters, descriptions of at most 72, a list button label of at most 20; interactive
bodies of at most 1,024 characters, headers and footers of at most 60; a plain text body of at most 4,096.

A reply that breaks a limit is a programming error (a template or a flow built it), so construction raises
ValueError naming the field; ``fit`` shortens a title that comes from data (a service name) before that happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT_MAX = 4096
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
LIST_BUTTON_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary where one is near, ending in an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def _check(value: str | None, limit: int, what: str, *, required: bool = True) -> None:
    if value is None or value == "":
        if required:
            raise ValueError(f"{what} is empty")
        return
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters; WhatsApp allows {limit}: {value!r}")


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise ValueError(f"{what} id {ident!r} appears twice in one message")
        seen.add(ident)


@dataclass(frozen=True, slots=True)
class Button:
    id: str
    title: str

    def __post_init__(self) -> None:
        _check(self.id, BUTTON_ID_MAX, "button id")
        _check(self.title, BUTTON_TITLE_MAX, "button title")


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    title: str
    description: str | None = None

    def __post_init__(self) -> None:
        _check(self.id, ROW_ID_MAX, "list row id")
        _check(self.title, ROW_TITLE_MAX, "list row title")
        _check(self.description, ROW_DESCRIPTION_MAX, "list row description", required=False)


@dataclass(frozen=True, slots=True)
class Section:
    rows: tuple[Row, ...]
    title: str | None = None

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError("a list section needs at least one row")
        _check(self.title, SECTION_TITLE_MAX, "list section title", required=False)


@dataclass(frozen=True, slots=True)
class TextReply:
    body: str

    def __post_init__(self) -> None:
        _check(self.body, TEXT_MAX, "text body")


@dataclass(frozen=True, slots=True)
class ButtonsReply:
    body: str
    buttons: tuple[Button, ...]
    header: str | None = None
    footer: str | None = None

    def __post_init__(self) -> None:
        _check(self.body, BODY_MAX, "body")
        _check(self.header, HEADER_MAX, "header", required=False)
        _check(self.footer, FOOTER_MAX, "footer", required=False)
        if not 1 <= len(self.buttons) <= BUTTONS_MAX:
            raise ValueError(f"{len(self.buttons)} buttons; WhatsApp allows 1 to {BUTTONS_MAX}")
        _unique([b.id for b in self.buttons], "button")


@dataclass(frozen=True, slots=True)
class ListReply:
    body: str
    button: str
    sections: tuple[Section, ...]
    header: str | None = None
    footer: str | None = None

    def __post_init__(self) -> None:
        _check(self.body, BODY_MAX, "body")
        _check(self.button, LIST_BUTTON_MAX, "list button label")
        _check(self.header, HEADER_MAX, "header", required=False)
        _check(self.footer, FOOTER_MAX, "footer", required=False)
        if not 1 <= len(self.sections) <= LIST_SECTIONS_MAX:
            raise ValueError(f"{len(self.sections)} sections; WhatsApp allows 1 to {LIST_SECTIONS_MAX}")
        rows = [row for section in self.sections for row in section.rows]
        if len(rows) > LIST_ROWS_MAX:
            raise ValueError(f"{len(rows)} list rows; WhatsApp allows {LIST_ROWS_MAX}")
        if len(self.sections) > 1 and any(not s.title for s in self.sections):
            raise ValueError("a list with several sections needs a title on each")
        _unique([r.id for r in rows], "list row")

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for section in self.sections for row in section.rows)


Reply = TextReply | ButtonsReply | ListReply


@dataclass(frozen=True, slots=True)
class Choice:
    """One option shown in the terminal chat: its number, the id a tap would send, and its title."""

    number: int
    id: str
    title: str
    description: str | None = field(default=None)


def choices(reply: Reply) -> tuple[Choice, ...]:
    """The buttons or list rows of a reply, numbered from 1, as the terminal chat offers them."""
    if isinstance(reply, ButtonsReply):
        return tuple(Choice(n, b.id, b.title) for n, b in enumerate(reply.buttons, start=1))
    if isinstance(reply, ListReply):
        return tuple(Choice(n, r.id, r.title, r.description) for n, r in enumerate(reply.rows, start=1))
    return ()


def to_whatsapp(reply: Reply) -> dict[str, Any]:
    """The Cloud API message object for ``reply`` (everything but ``messaging_product`` and ``to``)."""
    if isinstance(reply, TextReply):
        return {"type": "text", "text": {"body": reply.body, "preview_url": False}}
    interactive: dict[str, Any] = {"body": {"text": reply.body}}
    if reply.header:
        interactive["header"] = {"type": "text", "text": reply.header}
    if reply.footer:
        interactive["footer"] = {"text": reply.footer}
    if isinstance(reply, ButtonsReply):
        interactive["type"] = "button"
        interactive["action"] = {"buttons": [{"type": "reply", "reply": {"id": b.id, "title": b.title}}
                                             for b in reply.buttons]}
    else:
        interactive["type"] = "list"
        sections = []
        for section in reply.sections:
            rows = [{"id": r.id, "title": r.title, **({"description": r.description} if r.description else {})}
                    for r in section.rows]
            sections.append({**({"title": section.title} if section.title else {}), "rows": rows})
        interactive["action"] = {"button": reply.button, "sections": sections}
    return {"type": "interactive", "interactive": interactive}


def message_body(message: dict[str, Any]) -> str:
    """The text a Cloud API message object shows (``to_whatsapp``'s output, or one read back from storage)."""
    if message.get("type") == "text":
        return str(message["text"]["body"])
    interactive = message.get("interactive") or {}
    return str((interactive.get("body") or {}).get("text", ""))


def message_choices(message: dict[str, Any]) -> tuple[Choice, ...]:
    """The buttons or list rows of a Cloud API message object, numbered from 1."""
    interactive = message.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        return tuple(Choice(n, b["reply"]["id"], b["reply"]["title"])
                     for n, b in enumerate(action.get("buttons") or [], start=1))
    if interactive.get("type") == "list":
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        return tuple(Choice(n, r["id"], r["title"], r.get("description")) for n, r in enumerate(rows, start=1))
    return ()
