"""Devanagari read the way Hinglish is typed, for matching."""

from __future__ import annotations

import pytest

from agents.transliterate import transliterate, transliterate_word


@pytest.mark.parametrize(
    ("word", "latin"),
    [
        ("खराब", "kharaab"), ("बहुत", "bahut"), ("सर्विस", "sarvis"), ("मुझे", "mujhe"), ("करें", "karen"),
        ("रद्द", "radd"), ("गुरुवार", "guruvaar"), ("समय", "samay"), ("बदलना", "badalnaa"), ("समझना", "samajhnaa"),
        ("फ़िल्म", "film"), ("ज़्यादा", "zyaadaa"), ("न", "na"), ("क्या", "kyaa"), ("अपॉइंटमेंट", "apointment"),
    ],
)
def test_a_word_keeps_its_spoken_vowels_and_drops_the_silent_ones(word: str, latin: str) -> None:
    assert transliterate_word(word) == latin


def test_final_long_vowels_come_out_short_as_they_are_typed() -> None:
    assert transliterate("क्या आपकी दुकान खुली है") == "kya aapki dukaan khuli hai"


def test_latin_text_digits_and_punctuation_are_left_alone() -> None:
    assert transliterate("kal 5 baje, ok?") == "kal 5 baje, ok?"
    assert transliterate("कल 5 बजे?") == "kal 5 baje?"
