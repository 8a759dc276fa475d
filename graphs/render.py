"""Turning facts into the customer's language: days, times, prices, and reply objects from the reply texts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from prompts.replies import render
from tools.replies import Button, ButtonsReply, ListReply, Reply, Row, Section, TextReply, fit, to_whatsapp
from tools.views import rupees

_DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
         "hi": ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार")}
_MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
           "hi": ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर",
                  "दिसंबर")}


def language_of(value: str | None) -> str:
    return value if value in ("en", "hinglish", "hi") else "en"


def day_label(day: date, language: str) -> str:
    """"Fri 27 Nov" (English and Hinglish), "शुक्रवार 27 नवंबर" (Hindi)."""
    table = "hi" if language == "hi" else "en"
    return f"{_DAYS[table][day.weekday()]} {day.day} {_MONTHS[table][day.month - 1]}"


def time_label(moment: time, language: str) -> str:
    """"5:00 pm" in English; "shaam 5:00" / "शाम 5:00" in Hinglish and Hindi (their texts add baje / बजे)."""
    hour12 = moment.hour % 12 or 12
    clock = f"{hour12}:{moment.minute:02d}"
    if language == "en":
        return f"{clock} {'am' if moment.hour < 12 else 'pm'}"
    parts = (("subah", "सुबह") if moment.hour < 12 else ("dopahar", "दोपहर") if moment.hour < 16
             else ("shaam", "शाम") if moment.hour < 20 else ("raat", "रात"))
    return f"{parts[1] if language == 'hi' else parts[0]} {clock}"


def price_label(paise: int) -> str:
    return rupees(paise)


def text(key: str, language: str, **values: Any) -> str:
    return render(key, language_of(language), **values)


def out(*replies: Reply) -> list[dict[str, Any]]:
    return [to_whatsapp(reply) for reply in replies]


def say(key: str, language: str, **values: Any) -> Reply:
    return TextReply(text(key, language, **values))


def buttons(body: str, options: list[tuple[str, str]], language: str) -> Reply:
    """Up to three buttons (id, text key); more than three becomes a list."""
    labels = [(ident, fit(text(key, language), 20)) for ident, key in options]
    if len(labels) <= 3:
        return ButtonsReply(body, tuple(Button(ident, label) for ident, label in labels))
    return ListReply(body, fit(text("menu_button", language), 20),
                     (Section(tuple(Row(ident, fit(label, 24)) for ident, label in labels[:10])),))


def labelled_buttons(body: str, options: list[tuple[str, str]]) -> Reply:
    """Up to three buttons whose labels are already in the customer's language (id, label)."""
    return ButtonsReply(body, tuple(Button(ident, fit(label, 20)) for ident, label in options[:3]))


def rows_list(body: str, button_key: str, rows: Sequence[tuple[str, str, str | None]], language: str) -> Reply:
    """A list message of up to ten rows (id, title, description)."""
    return ListReply(body, fit(text(button_key, language), 20), (Section(tuple(
        Row(ident, fit(title, 24), fit(description, 72) if description else None)
        for ident, title, description in rows[:10])),))


def local(moment: datetime, zone: Any) -> datetime:
    return moment.astimezone(zone)
