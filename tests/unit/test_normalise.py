from __future__ import annotations

import pytest

from agents.normalise import detect_language, normalise, romanise, squeeze


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("yesss", "yes"),
        ("Yesssss!!", "yes!!"),
        ("pleeease", "please"),
        ("haaan", "haan"),
        ("goooood morning", "good morning"),
        ("hiiiii", "hi"),
        ("okkkk", "ok"),
        ("nooooo", "no"),
        ("thankssss", "thanks"),
        ("nahiiii", "nahi"),
        ("acchaaaa", "accha"),
        ("shaaaam", "shaam"),
        ("sooooo cool", "so cool"),
        ("coooool", "cool"),
        ("sorryyyy", "sorry"),
    ],
)
def test_letters_typed_three_or_more_times_are_squeezed_to_a_known_word(typed: str, clean: str) -> None:
    assert normalise(typed).text == clean


@pytest.mark.parametrize("word", ["good", "book", "booking", "appointment", "haan", "aaj", "accha", "coffee", "need"])
def test_valid_double_letters_are_kept(word: str) -> None:
    assert normalise(word).text == word


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("kal 5 bje", "kal 5 baje"),
        ("kl 5 baaje", "kal 5 baje"),
        ("sham ko", "shaam ko"),
        ("subha 10 bajey", "subah 10 baje"),
        ("dopher 2 baje", "dopahar 2 baje"),
        ("plz", "please"),
        ("pls confirm", "please confirm"),
        ("thnx", "thanks"),
        ("thx", "thanks"),
        ("thanku", "thanks"),
        ("ha", "haan"),
        ("han ji", "haan ji"),
        ("hanji", "haan ji"),
        ("nhi", "nahi"),
        ("nai chahiye", "nahi chahiye"),
        ("acha", "accha"),
        ("achha theek hai", "accha theek hai"),
        ("thik h", "theek hai"),
        ("sade 6", "saade 6"),
        ("sava 4", "sawa 4"),
        ("derh baje", "dedh baje"),
        ("dhaai baje", "dhai baje"),
        ("parson", "parso"),
        ("aj shaam", "aaj shaam"),
        ("mje haircut krwana h", "mujhe haircut karwana hai"),
        ("book kardo", "book kar do"),
        ("tmrw 5pm", "tomorrow 5pm"),
        ("gud morning", "good morning"),
        ("msg mat bhejo", "message mat bhejo"),
    ],
)
def test_common_hinglish_spellings_are_made_one(typed: str, clean: str) -> None:
    assert normalise(typed).text == clean


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("  Kal   5\tbaje\n haircut  ", "kal 5 baje haircut"),
        ("HAIRCUT", "haircut"),
        ("ｈｅｌｌｏ", "hello"),
        ("hair\u200bcut", "haircut"),
        ("book\ufeff", "book"),
        ("kal ५ बजे", "kal 5 बजे"),
        ("२ नंबर", "2 नंबर"),
        ("2\ufe0f\u20e3", "2"),
    ],
)
def test_unicode_case_whitespace_and_invisible_characters_are_cleaned(typed: str, clean: str) -> None:
    assert normalise(typed).text == clean


@pytest.mark.parametrize(
    ("typed", "hint", "clean"),
    [
        ("👍", "affirm", ""),
        ("👍🏽", "affirm", ""),
        ("ok 👌", "affirm", "ok"),
        ("✅", "affirm", ""),
        ("🙏", "thanks", ""),
        ("thanks 🙏🙏", "thanks", "thanks"),
        ("👎", "deny", ""),
        ("❌ no", "deny", "no"),
        ("😡😡 worst service", "complaint", "worst service"),
        ("🤬", "complaint", ""),
        ("haircut ❤️", None, "haircut"),
        ("kal 5 baje", None, "kal 5 baje"),
    ],
)
def test_emoji_leave_the_text_and_are_kept_as_a_hint(typed: str, hint: str | None, clean: str) -> None:
    result = normalise(typed)
    assert (result.emoji_intent, result.text) == (hint, clean)


def test_the_first_meaningful_emoji_gives_the_hint() -> None:
    assert normalise("👎 ok 👍").emoji_intent == "deny"


def test_the_original_text_is_kept_as_typed() -> None:
    assert normalise("Kal 5 BJE 👍").original == "Kal 5 BJE 👍"


def test_devanagari_is_kept_in_the_text() -> None:
    assert normalise("कल शाम 5 बजे").text == "कल शाम 5 बजे"


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("I want a haircut tomorrow at 5", "en"),
        ("hi", "en"),
        ("ok", "en"),
        ("Can I book a facial for Saturday?", "en"),
        ("do you have parking", "en"),
        ("kal 5 baje haircut", "hinglish"),
        ("mujhe facial karwana hai", "hinglish"),
        ("haan", "hinglish"),
        ("kitna price hai", "hinglish"),
        ("aaj shaam ko slot hai kya", "hinglish"),
        ("nhi chahiye", "hinglish"),
        ("bhaiya beard trim chahiye", "hinglish"),
        ("kal ke liye book kar do", "hinglish"),
        ("कल शाम 5 बजे बाल कटवाना है", "hi"),
        ("हाँ", "hi"),
        ("नमस्ते", "hi"),
        ("मुझे facial चाहिए", "hi"),
        ("haircut kal बजे", "hinglish"),
    ],
)
def test_the_language_is_detected(typed: str, language: str) -> None:
    assert normalise(typed).language == language


@pytest.mark.parametrize("english", ["do it", "see me", "main branch", "are you open", "par for the course", "the"])
def test_english_words_that_are_also_hindi_do_not_make_a_message_hinglish(english: str) -> None:
    assert detect_language(english) == "en"


@pytest.mark.parametrize(
    ("devanagari", "roman"),
    [
        ("हाँ", "haan"),
        ("हां जी", "haan ji"),
        ("नहीं", "nahi"),
        ("बंद करो", "band karo"),
        ("कल शाम 5 बजे", "kal shaam 5 baje"),
        ("साढ़े 6", "saade 6"),
        ("धन्यवाद।", "dhanyavaad."),
        ("salon कहाँ है?", "salon kahan hai?"),
    ],
)
def test_a_fixed_devanagari_vocabulary_can_be_romanised(devanagari: str, roman: str) -> None:
    assert romanise(normalise(devanagari).text) == roman


def test_unknown_devanagari_words_are_transliterated_when_romanised() -> None:
    assert romanise("कलम") == "kalam"
    assert romanise("सर्विस बहुत खराब थी") == "sarvis bahut kharaab thi"


def test_squeeze_leaves_words_without_long_runs_alone() -> None:
    assert squeeze("appointment") == "appointment"
