"""Reply texts: the same keys and placeholders in all three languages, and no reply with a hole in it."""

from __future__ import annotations

import pytest

from prompts.replies import LANGUAGES, placeholders, render, templates
from tools.replies import BUTTON_TITLE_MAX, LIST_BUTTON_MAX


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = templates("en")
    for language in LANGUAGES:
        table = templates(language)
        assert set(table) == set(english), language
        for key, text in english.items():
            assert placeholders(table[key]) == placeholders(text), (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_button_and_list_labels_fit_whatsapp(language: str) -> None:
    for key, text in templates(language).items():
        if key.startswith("btn_"):
            assert len(text) <= BUTTON_TITLE_MAX, (language, key, text)
        if key.endswith("_button"):
            assert len(text) <= LIST_BUTTON_MAX, (language, key, text)


def test_hindi_texts_are_in_devanagari_and_hinglish_texts_are_not() -> None:
    def devanagari(text: str) -> bool:
        return any("\u0900" <= ch <= "\u097f" for ch in text)

    assert [k for k, t in templates("hi").items() if not devanagari(t)] == []
    assert not any(devanagari(t) for t in templates("hinglish").values())
    assert not any(devanagari(t) for t in templates("en").values())


def test_render_fills_the_values_in_the_customers_language() -> None:
    values = {"service": "Men's haircut", "staff": "Rahul", "day": "Fri 27 Nov", "time": "5:00 pm", "price": "₹500"}
    assert render("confirm_summary", "en", **values) == \
        "Men's haircut with Rahul on Fri 27 Nov at 5:00 pm. ₹500. Shall I book it?"
    assert "ke saath" in render("confirm_summary", "hinglish", **values)
    assert "के साथ" in render("confirm_summary", "hi", **values)


def test_a_missing_or_unexpected_value_or_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="missing \\['time'\\]"):
        render("confirm_summary", "en", service="x", staff="y", day="z", price="p")
    with pytest.raises(ValueError, match="unexpected \\['extra'\\]"):
        render("kept", "en", extra=1)
    with pytest.raises(ValueError, match="no reply text"):
        render("nope", "en")
    with pytest.raises(ValueError, match="no reply texts for language"):
        render("kept", "fr")


@pytest.mark.parametrize(("language", "words"), [("en", ("sorry", "cool water", "doctor")),
                                                 ("hinglish", ("afsos", "thande paani", "doctor")),
                                                 ("hi", ("खेद", "ठंडे पानी", "डॉक्टर"))])
def test_the_urgent_handover_says_sorry_and_what_to_do_until_a_person_replies(language: str,
                                                                              words: tuple[str, ...]) -> None:
    text = render("handover_urgent", language, when="soon")
    assert all(word in text for word in words) and "soon" in text
