from __future__ import annotations

import pytest

from agents.intents import Intent
from agents.normalise import normalise
from agents.rules import RuleContext, match_payload, match_rules

PENDING = RuleContext(pending_confirmation=True)
SERVICE_ID = "0b6f7a52-4c1e-4d8e-9a34-2f1d5c7e8a90"


def intent_of(text: str, context: RuleContext | None = None) -> Intent | None:
    found = match_rules(text, context)
    return found.intent if found else None


# ---- interactive replies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("payload", "intent", "slots"),
    [
        ("intent:book", Intent.book, {}),
        ("intent:my_bookings", Intent.my_bookings, {}),
        ("menu:catalog", Intent.catalog, {}),
        ("menu:offers", Intent.offers, {}),
        ("confirm:yes", Intent.affirm, {}),
        ("confirm:no", Intent.deny, {}),
        ("slot:2025-03-13T17:00:00+05:30", Intent.book, {"start": "2025-03-13T17:00:00+05:30"}),
        (f"svc:{SERVICE_ID}", Intent.book, {"service_id": SERVICE_ID}),
        (f"staff:{SERVICE_ID.upper()}", Intent.book, {"staff_id": SERVICE_ID}),
        ("date:2025-03-14", Intent.availability, {"date": "2025-03-14"}),
        (f"appt:{SERVICE_ID}", Intent.my_bookings, {"appointment_id": SERVICE_ID}),
    ],
)
def test_an_interactive_reply_is_read_by_its_payload_id(payload: str, intent: Intent, slots: dict[str, str]) -> None:
    found = match_rules("whatever the button said", payload=payload)
    assert found is not None
    assert (found.intent, found.confidence, found.tier) == (intent, 1.0, "L1")
    assert found.slots == {"payload": payload, **slots}


@pytest.mark.parametrize(
    "payload", ["intent:dance", "confirm:maybe", "slot:tomorrow at 5", "svc:not-a-uuid", "date:13/03", "book", "svc:",
                "unknown:thing"],
)
def test_a_malformed_or_unknown_payload_is_not_a_rule_match(payload: str) -> None:
    assert match_payload(payload) is None


def test_an_unknown_payload_falls_back_to_the_text_of_the_reply() -> None:
    assert intent_of_payload("Hello", "weird:1") == Intent.greet


def intent_of_payload(text: str, payload: str) -> Intent | None:
    found = match_rules(text, payload=payload)
    return found.intent if found else None


# ---- STOP / START --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", "Stop.", "stop!!", "please stop", "stop please", "Unsubscribe", "unsub", "opt out", "OPT-OUT",
     "stop messages", "stop sending me messages", "stop messaging me", "don't message me again",
     "do not text me", "no more messages", "band karo", "band kro", "messages band karo", "mat bhejo",
     "msg mat bhejo plz", "message mat bhejo bhai", "ab mat bhejo", "बंद करो", "मैसेज मत भेजो", "STOP STOP",
     "remove my number"],
)
def test_stop_and_its_variants_opt_out(text: str) -> None:
    assert intent_of(text) == Intent.opt_out


@pytest.mark.parametrize(
    "text", ["START", "start", "Start again", "restart", "subscribe", "unstop", "opt in", "shuru karo",
             "phir se shuru karo", "messages shuru kar do", "start sending messages again", "शुरू करो"],
)
def test_start_and_its_variants_opt_in(text: str) -> None:
    assert intent_of(text) == Intent.opt_in


@pytest.mark.parametrize(
    "text",
    ["stop by tomorrow", "don't stop", "can I stop by at 5?", "bus stop ke paas hai kya salon", "non stop service",
     "stop the booking", "I will stop by the salon", "start time kya hai", "when does the offer start",
     "cancel", "band hai kya aaj?", "what time do you stop taking bookings"],
)
def test_stop_or_start_inside_a_longer_message_is_not_an_opt_change(text: str) -> None:
    assert intent_of(text) not in (Intent.opt_out, Intent.opt_in)
    assert intent_of(text, PENDING) not in (Intent.opt_out, Intent.opt_in)


def test_stop_opts_out_even_while_a_confirmation_is_pending() -> None:
    assert intent_of("stop", PENDING) == Intent.opt_out


# ---- yes / no while a confirmation is pending --------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["yes", "Yes!", "YESSS", "y", "ok", "okay", "Okk", "sure", "haan", "ha", "haan ji", "ji", "ji haan", "hanji",
     "theek hai", "thik h", "done", "confirm", "confirmed", "👍", "👍🏻", "👌", "✅", "ok 👍", "book kar do",
     "book kardo", "haan kar do", "हाँ", "हां जी", "ठीक है", "yes please", "go ahead", "sounds good", "perfect", "bilkul",
     "chalega", "accha theek hai", "yes thanks", "ok thank you", "sahi hai", "pakka", "yess book it", "yup",
     "that works"],
)
def test_yes_in_many_forms_affirms_a_pending_confirmation(text: str) -> None:
    assert intent_of(text, PENDING) == Intent.affirm


@pytest.mark.parametrize(
    "text",
    ["no", "No.", "n", "nope", "nahi", "nhi", "nai", "na", "nahi ji", "mat karo", "cancel", "Cancel it",
     "cancel kar do", "no thanks", "not now", "rehne do", "nahi chahiye", "नहीं", "नही", "👎", "❌", "never mind",
     "noooo", "abhi nahi", "no no"],
)
def test_no_in_many_forms_denies_a_pending_confirmation(text: str) -> None:
    assert intent_of(text, PENDING) == Intent.deny


@pytest.mark.parametrize("text", ["yes", "ok", "haan", "👍", "done", "no", "nahi", "cancel", "👎", "sure", "हाँ"])
def test_yes_or_no_without_a_pending_confirmation_is_not_settled_by_rules(text: str) -> None:
    assert match_rules(text) is None


@pytest.mark.parametrize(
    "text", ["yes but at 6", "haan par kal", "no, make it 5 pm", "ok can you do saturday instead", "cancel my facial",
             "yes and add a beard trim", "nahi, parso karo"],
)
def test_an_answer_with_more_in_it_goes_up_a_tier(text: str) -> None:
    assert match_rules(text, PENDING) is None


# ---- menu numbers ------------------------------------------------------------------------------------------------

MENU = RuleContext(menu=("book", "my_bookings", "catalog", f"svc:{SERVICE_ID}"))


@pytest.mark.parametrize(
    ("text", "intent", "choice"),
    [("1", Intent.book, 1), ("2", Intent.my_bookings, 2), ("3.", Intent.catalog, 3), ("option 3", Intent.catalog, 3),
     ("2️⃣", Intent.my_bookings, 2), ("#1", Intent.book, 1), ("२", Intent.my_bookings, 2),
     ("second", Intent.my_bookings, 2), ("pehla", Intent.book, 1), ("teesra wala", Intent.catalog, 3),
     ("4", Intent.book, 4)],
)
def test_a_menu_number_picks_that_entry_of_the_pending_menu(text: str, intent: Intent, choice: int) -> None:
    found = match_rules(text, MENU)
    assert found is not None
    assert (found.intent, found.slots["menu_choice"]) == (intent, choice)


def test_a_menu_entry_that_is_a_payload_id_carries_its_slots() -> None:
    found = match_rules("4", MENU)
    assert found is not None
    assert found.slots["service_id"] == SERVICE_ID


@pytest.mark.parametrize("text", ["5", "0", "12", "fifth"])
def test_a_number_outside_the_menu_is_not_a_choice(text: str) -> None:
    assert match_rules(text, MENU) is None


@pytest.mark.parametrize("text", ["2", "5", "second"])
def test_a_bare_number_without_a_menu_is_left_to_later_tiers(text: str) -> None:
    assert match_rules(text) is None


# ---- greetings and thanks ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["hi", "Hi!", "hii", "Hiiii", "hello", "Hellooo", "hey", "hey there", "namaste", "Namaste ji", "namaskar",
     "good morning", "Good Morning!!", "gud morning", "good evening sir", "hi hello", "नमस्ते", "नमस्कार",
     "hello bhaiya", "hlo", "ram ram", "hi team", "hey 👋"],
)
def test_a_message_that_is_only_a_greeting_is_a_greeting(text: str) -> None:
    assert intent_of(text) == Intent.greet


@pytest.mark.parametrize(
    "text",
    ["hi, I want a haircut tomorrow", "hello kal 5 baje slot hai?", "hey can I book a facial", "namaste, price list?",
     "good morning, are you open today at 10", "hi I want to cancel", "hello, my booking is wrong"],
)
def test_a_greeting_with_a_request_is_not_just_a_greeting(text: str) -> None:
    assert intent_of(text) != Intent.greet


@pytest.mark.parametrize(
    "text",
    ["thanks", "Thank you", "thank you so much!", "thnx", "thx", "thanku", "ty", "shukriya", "dhanyavaad",
     "dhanyawad ji", "ok thanks", "thanks bhai", "🙏", "thanks 🙏", "धन्यवाद", "शुक्रिया", "Thanks a lot!!"],
)
def test_thanks_alone_is_thanks(text: str) -> None:
    assert intent_of(text) == Intent.thanks


@pytest.mark.parametrize("text", ["thanks, can I also book for my wife", "thank you but the stylist was late"])
def test_thanks_with_more_in_it_goes_up_a_tier(text: str) -> None:
    assert match_rules(text) is None


# ---- FAQ keywords --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("timing", "hours"), ("Timings?", "hours"), ("salon timings", "hours"), ("what are your timings", "hours"),
        ("opening hours", "hours"), ("kab khulta hai", "hours"), ("kitne baje khulta hai?", "hours"),
        ("aaj open hai kya", "hours"), ("are you open today", "hours"), ("when do you close", "hours"),
        ("address", "location"), ("Address please", "location"), ("location", "location"),
        ("kahan hai", "location"), ("salon kahan hai?", "location"), ("where are you located", "location"),
        ("send location", "location"), ("address kya hai", "location"), ("कहाँ है", "location"),
        ("parking", "parking"), ("parking available?", "parking"), ("is parking available", "parking"),
        ("parking hai kya", "parking"),
    ],
)
def test_exact_faq_keywords_are_faq_with_a_topic(text: str, topic: str) -> None:
    found = match_rules(text)
    assert found is not None
    assert (found.intent, found.slots["topic"]) == (Intent.faq, topic)


@pytest.mark.parametrize(
    "text",
    ["payment methods", "payment options?", "upi", "UPI chalega?", "do you accept upi", "gpay", "can I pay by gpay"],
)
def test_payment_method_keywords_are_a_pay_question(text: str) -> None:
    found = match_rules(text)
    assert found is not None
    assert (found.intent, found.slots["topic"]) == (Intent.pay, "payment")


@pytest.mark.parametrize(
    "text",
    ["what time is my appointment", "mera booking kahan hai", "I paid by upi but got no receipt",
     "change my timing to 6", "parking mein meri gaadi ko scratch aaya", "kal 5 baje haircut"],
)
def test_faq_words_inside_other_requests_are_not_faq(text: str) -> None:
    assert intent_of(text) != Intent.faq


# ---- the shape of a result ---------------------------------------------------------------------------------------

def test_a_rule_result_is_tier_l1_with_full_confidence_and_the_message_language() -> None:
    found = match_rules("haan ji", PENDING)
    assert found is not None
    assert (found.tier, found.confidence, found.language) == ("L1", 1.0, "hinglish")
    assert found.reason


def test_rules_accept_an_already_normalised_message() -> None:
    assert match_rules(normalise("नमस्ते")) == match_rules("नमस्ते")


def test_an_angry_emoji_alone_is_a_complaint() -> None:
    assert intent_of("😡😡") == Intent.complaint


@pytest.mark.parametrize("text", ["", "   ", "❤️", "kal 5 baje haircut", "I want a haircut tomorrow at 5"])
def test_messages_no_rule_is_sure_of_return_none(text: str) -> None:
    assert match_rules(text, PENDING) is None


def test_a_long_message_is_never_settled_by_whole_message_rules() -> None:
    assert match_rules("hi " * 40, PENDING) is None
