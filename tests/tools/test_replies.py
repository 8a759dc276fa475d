"""Reply objects keep to WhatsApp's limits, and turn into the Cloud API's message objects."""

from __future__ import annotations

import pytest

from tools.replies import (
    Button,
    ButtonsReply,
    ListReply,
    Row,
    Section,
    TextReply,
    choices,
    fit,
    to_whatsapp,
)


def test_three_buttons_become_an_interactive_button_message() -> None:
    reply = ButtonsReply("Book Men's haircut, Fri 27 Nov 5:00 pm, ₹500?",
                         (Button("confirm:yes", "Confirm"), Button("change", "Change time"),
                          Button("confirm:no", "Cancel")), footer="Glow Studio Bandra")
    message = to_whatsapp(reply)
    assert message["type"] == "interactive"
    interactive = message["interactive"]
    assert interactive["type"] == "button" and interactive["footer"] == {"text": "Glow Studio Bandra"}
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["confirm:yes", "change", "confirm:no"]
    assert all(b["type"] == "reply" for b in interactive["action"]["buttons"])
    assert [c.number for c in choices(reply)] == [1, 2, 3]


def test_a_list_becomes_an_interactive_list_with_sections() -> None:
    reply = ListReply("Pick a time on Friday", "See times", (
        Section((Row("slot:1", "5:00 pm", "with Rahul"), Row("slot:2", "5:30 pm")), "Evening"),
        Section((Row("slot:3", "11:00 am"),), "Morning")))
    interactive = to_whatsapp(reply)["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "See times"
    assert interactive["action"]["sections"][0] == {
        "title": "Evening", "rows": [{"id": "slot:1", "title": "5:00 pm", "description": "with Rahul"},
                                     {"id": "slot:2", "title": "5:30 pm"}]}
    assert [c.id for c in choices(reply)] == ["slot:1", "slot:2", "slot:3"]


def test_text_is_a_plain_text_message_without_link_previews() -> None:
    assert to_whatsapp(TextReply("Namaste!")) == {"type": "text", "text": {"body": "Namaste!", "preview_url": False}}
    assert choices(TextReply("hi")) == ()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Button("x", "A title that is far too long"), "button title is 28 characters"),
        (lambda: ButtonsReply("body", ()), "0 buttons"),
        (lambda: ButtonsReply("body", tuple(Button(str(i), str(i)) for i in range(4))), "4 buttons"),
        (lambda: ButtonsReply("body", (Button("a", "One"), Button("a", "Two"))), "appears twice"),
        (lambda: Row("r", "x" * 25), "list row title"),
        (lambda: Row("r", "ok", "d" * 73), "description"),
        (lambda: ListReply("b", "Times", (Section(tuple(Row(str(i), str(i)) for i in range(11))),)), "11 list rows"),
        (lambda: ListReply("b", "Times", (Section((Row("a", "a"),)), Section((Row("b", "b"),)))), "needs a title"),
        (lambda: TextReply(""), "text body is empty"),
        (lambda: TextReply("x" * 4097), "4097 characters"),
        (lambda: ButtonsReply("b" * 1025, (Button("a", "A"),)), "body is 1025"),
    ],
)
def test_a_reply_that_breaks_a_whatsapp_limit_is_refused_with_the_field_named(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("Haircut", 20, "Haircut"), ("Haircut and beard combo deluxe", 20, "Haircut and beard…"),
     ("Supercalifragilisticexpialidocious", 10, "Supercali…"), ("  spaced   out  ", 20, "spaced out")],
)
def test_fit_shortens_data_to_a_limit_at_a_word_boundary(text: str, limit: int, expected: str) -> None:
    assert fit(text, limit) == expected
    assert len(fit(text, limit)) <= limit
