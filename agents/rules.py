"""L1: deterministic rules for the short, repetitive messages. Each returns confidence 1.0 at tier "L1", or None.

Rules only claim a message they are sure of; anything else (None) goes up to the L2 router. In order:

1. Interactive replies, by payload id (WhatsApp ``button_reply.id`` / ``list_reply.id``). The id scheme:

   ==================  ===============================================================
   ``intent:<name>``   that intent, e.g. ``intent:book``
   ``menu:<name>``     that intent, from a main-menu list, e.g. ``menu:catalog``
   ``confirm:yes``     affirm; ``confirm:no`` deny
   ``slot:<ISO>``      book, ``slots["start"]`` the ISO-8601 start, e.g. ``slot:2025-03-13T17:00:00+05:30``
   ``svc:<uuid>``      book, ``slots["service_id"]``
   ``staff:<uuid>``    book, ``slots["staff_id"]``
   ``date:<ISO date>`` availability, ``slots["date"]``
   ``appt:<uuid>``     my_bookings, ``slots["appointment_id"]`` (a booking picked from a list)
   ``add:<uuid>``      book, ``slots["add_service_id"]`` (the add-on offered with a held time)
   ``cat:<uuid>``      catalog, ``slots["category_id"]`` (a category picked from the menu)
   ``coming:<uuid>``   thanks, ``slots["appointment_id"]`` ("I'll be there" on a reminder)
   ``rate:<uuid>:<n>`` feedback, ``slots["appointment_id"]`` and ``slots["rating"]`` (1 to 5)
   ==================  ===============================================================

   Every payload result carries ``slots["payload"]``, the id as received. A malformed id is not a rule match.
2. STOP / START and their variants (opt_out / opt_in), only as the whole message ("stop by tomorrow" is not).
3. Yes / no in many forms, only while a confirmation is pending ("cancel" then means no).
4. A number or ordinal while a numbered menu is pending ("2" -> the second entry).
5. A greeting that is the whole message ("hi, I want a haircut tomorrow" is not).
6. Thanks alone.
7. Exact FAQ keywords (hours, location, parking) -> faq with ``slots["topic"]``; payment-method keywords ("upi",
   "gpay", "payment options") -> pay with ``slots["topic"] = "payment"`` (how to pay is a payment question).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from agents.intents import Intent, Language, Understanding
from agents.normalise import Normalised, normalise, romanise


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the conversation is waiting for: a yes/no answer, or a choice from a numbered menu (intents or ids)."""

    pending_confirmation: bool = False
    menu: tuple[str, ...] | None = None


def _l1(intent: Intent, language: Language, reason: str, **slots: Any) -> Understanding:
    return Understanding(intent=intent, confidence=1.0, tier="L1", language=language, slots=slots, reason=reason)


# ---- 1. payloads ---------------------------------------------------------------------------------------------------

def match_payload(payload: str, language: Language = "en") -> Understanding | None:
    """An interactive reply's id, read by the scheme above; None for an id it does not know or cannot parse."""
    kind, sep, value = payload.strip().partition(":")
    if not sep or not value:
        return None
    reason = f"interactive reply {kind}:"
    try:
        if kind in ("intent", "menu"):
            return _l1(Intent(value), language, reason, payload=payload)
        if kind == "confirm" and value in ("yes", "no"):
            return _l1(Intent.affirm if value == "yes" else Intent.deny, language, reason, payload=payload)
        if kind == "slot":
            start = datetime.fromisoformat(value)
            return _l1(Intent.book, language, reason, payload=payload, start=start.isoformat())
        if kind == "date":
            day = date.fromisoformat(value).isoformat()
            return _l1(Intent.availability, language, reason, payload=payload, date=day)
        if kind == "rate":
            booking, _, stars = value.partition(":")
            if not stars.isdigit() or not 1 <= int(stars) <= 5:
                return None
            return _l1(Intent.feedback, language, reason, payload=payload, appointment_id=str(uuid.UUID(booking)),
                       rating=int(stars))
        ids = {"svc": (Intent.book, "service_id"), "staff": (Intent.book, "staff_id"),
               "appt": (Intent.my_bookings, "appointment_id"), "add": (Intent.book, "add_service_id"),
               "coming": (Intent.thanks, "appointment_id"), "cat": (Intent.catalog, "category_id")}
        if kind in ids:
            intent, key = ids[kind]
            return _l1(intent, language, reason, payload=payload, **{key: str(uuid.UUID(value))})
    except ValueError:
        return None
    return None


# ---- the matching view of a message ----------------------------------------------------------------------------

_APOSTROPHES = re.compile("['\u2018\u2019`]")
_PUNCTUATION = re.compile("[!-/:-@\\[-^{-~\u0964\u0965\u2026\u201c\u201d\u2013\u2014\u00a1\u00bf\u2022\u00b7]+")
_SPACES = re.compile(r"\s+")


def _bare(text: str) -> str:
    """The romanised text without punctuation: the form whole-message rules match against."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", romanise(text)))).strip()


def _alt(*phrases: str) -> str:
    return "(?:" + "|".join(phrases) + ")"


def _whole(core: str, filler: str) -> re.Pattern[str]:
    """The whole message is `core`, with any politeness `filler` words around it."""
    return re.compile(rf"(?:{filler} )*{core}(?: {filler})*")


_POLITE = _alt("please", "ji", "bhai", "bhaiya", "sir", "madam", "maam", "mam", "didi", "dear", "now", "ab", "yaar")

# ---- 2. STOP / START ------------------------------------------------------------------------------------------------

_MSGS = _alt("messages", "message", "texts", "whatsapp", "notifications", "reminders", "these messages")
_OPT_OUT = _whole(_alt(
    "stop", "stop it", "stop all", "stop stop", "unsubscribe", "unsub", "opt out", "optout",
    rf"stop (?:all )?{_MSGS}", rf"stop (?:messaging|texting|sending|spamming)(?: me)?(?: {_MSGS})?",
    rf"(?:dont|do not) (?:message|text|contact|send)(?: me)?(?: {_MSGS})?(?: again| anymore)?",
    rf"no more {_MSGS}", rf"(?:{_MSGS} )?(?:band|bandh) (?:karo|kar do|kijiye|karein|kar dijiye|kardijiye)",
    rf"(?:mujhe |ab )?(?:{_MSGS} )?(?:mat|na) bhejo", rf"(?:{_MSGS} )?mat bhejna", rf"(?:{_MSGS} )?mat bhejiye",
    "band karo", "band kar do", "remove me", "remove my number",
), _POLITE)
_OPT_IN = _whole(_alt(
    "start", "start again", "restart", "subscribe", "resubscribe", "unstop", "opt in", "optin",
    rf"start (?:sending|messaging|texting)(?: me)?(?: {_MSGS})?(?: again)?", rf"start {_MSGS}(?: again)?",
    rf"(?:{_MSGS} )?(?:phir se |fir se |dobara |wapas )?shuru (?:karo|kar do|kijiye|karein|kar dijiye)",
), _alt(_POLITE, "again"))

# ---- 3. yes / no while a confirmation is pending -------------------------------------------------------------------

_ANSWER_FILLER = _alt(_POLITE, "ok", "okay", "thanks", "thank you", "shukriya", "haan", "ji", "yes", "its", "it is",
                      "thats", "that is", "ye", "yeh", "to", "bas")
_AFFIRM = _whole(_alt(
    "yes", "y", "ya", "yah", "yeah", "yea", "yep", "yup", "ok", "okay", "k", "kk", "sure", "sure thing", "haan",
    "haan ji", "ji haan", "ji", "theek hai", "theek", "theek h", "done", "confirm", "confirmed", "confirm it",
    "confirm karo", "confirm kar do", "book kar do", "book karo", "book it", "book", "kar do", "karo",
    "kar dijiye", "haan kar do", "go ahead", "please do", "perfect", "fine", "correct", "right", "alright",
    "all right", "sahi hai", "sahi", "bilkul", "chalega", "chalo", "pakka", "accha", "accha theek hai",
    "that works", "works for me", "sounds good", "great", "absolutely", "of course", "why not", "lets do it",
    "zaroor", "jarur", "yes please", "yes book it", "yes confirm", "ho jayega", "agreed", "good",
), _ANSWER_FILLER)
_DENY = _whole(_alt(
    "no", "n", "nope", "nah", "na", "nahi", "nahi ji", "ji nahi", "mat karo", "mat kar", "mat karna", "dont",
    "do not", "cancel", "cancel it", "cancel karo", "cancel kar do", "no thanks", "no thank you", "not now",
    "rehne do", "rehne dijiye", "rehne do please", "nahi chahiye", "no need", "wrong", "galat", "never mind",
    "nevermind", "leave it", "chhodo", "chodo", "nahi karna", "no dont", "dont book", "do not book",
    "not interested", "nahi karo", "nahi chahiye", "mat book karo", "abhi nahi",
), _alt(_ANSWER_FILLER, "no", "nahi"))

# ---- 4. menu numbers ----------------------------------------------------------------------------------------------

_MENU_NUMBER = re.compile(r"(?:option |number |no |choice |num )?(\d{1,2})(?: please| ji| number)?")
_ORDINALS = {
    "first": 1, "1st": 1, "pehla": 1, "pehli": 1, "pahla": 1, "second": 2, "2nd": 2, "doosra": 2, "dusra": 2,
    "dusri": 2, "doosri": 2, "third": 3, "3rd": 3, "teesra": 3, "tisra": 3, "teesri": 3, "fourth": 4, "4th": 4,
    "chautha": 4, "fifth": 5, "5th": 5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ek": 1, "teen": 3, "char": 4, "paanch": 5,
}
_MENU_ORDINAL = re.compile(rf"(?:the |option )?({_alt(*_ORDINALS)})(?: one| option| wala| wali| please| ji)?")

# ---- 5. greetings, 6. thanks ---------------------------------------------------------------------------------------

_GREETING = _alt(
    "hi", "hello", "helo", "hellow", "hllo", "hlo", "hey", "heya", "hiya", "namaste", "namaskar", "namaskaram",
    "pranam", "good morning", "good afternoon", "good evening", "gm", "morning", "ram ram", "radhe radhe",
    "jai shree krishna", "jai shri krishna", "sat sri akal", "sat shri akal", "salaam", "salam", "assalamualaikum",
    "vanakkam", "hi there", "hello there", "hey there",
)
_GREETING_FILLER = _alt(_POLITE, "there", "team", "all", "everyone", "friend", "bro", "ji", "salon", _GREETING)
_GREET = _whole(_GREETING, _GREETING_FILLER)
_THANKS = _whole(_alt(
    "thanks", "thank you", "thank you so much", "thanks a lot", "thanks so much", "many thanks", "shukriya",
    "bahut shukriya", "dhanyavaad", "bahut dhanyavaad", "thank u", "thanks again", "cheers",
), _alt(_POLITE, "ok", "okay", "great", "cool", "accha", "so much", "a lot", "very much", "again", "bahut",
        "thanks", "thank you", "shukriya", "dhanyavaad"))

# ---- 7. FAQ keywords -----------------------------------------------------------------------------------------------

_FAQ_PREFIX = _alt(
    "what", "whats", "what is", "what are", "is", "is there", "do you have", "do you accept", "do you take",
    r"can i pay (?:by|with|via|using|through)", "your", "the", "salon", "shop", "parlour", "parlor", "aapka", "aapki",
    "apka", "apki", "please", "bhai", "ji", "sir", "madam", "hi", "hello", "ok", "and", "accha", "send", "share",
    "salon ka", "shop ka", "salon ki", "aapke", "tell me", "tell me your", "kindly share", "your salon",
)
_FAQ_SUFFIX = _alt(
    "please", "ji", "bhai", "sir", "kya hai", "hai", "kya", "hai kya", "batao", "bata do", "bataiye", "bhejo",
    "send karo", "send", "share karo", "available", "hain", "chalega", "accepted", "accept karte ho", "lete ho",
    "ho", "milegi", "milega", "today", "aaj", "kal", "tomorrow", "there", "facility", "options", "ki facility",
)
_FAQ_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(rf"(?:{_FAQ_PREFIX} ){{0,4}}{_alt(*keys)}(?: {_FAQ_SUFFIX}){{0,4}}"))
    for topic, keys in (
        ("hours", (
            "timing", "timings", "time table", "hours", "opening hours", "working hours", "business hours",
            "open hours", "opening time", "closing time", "opening and closing time", "salon timing",
            "what time do you (?:open|close)", "when do you (?:open|close)", "when are you open",
            "are you open(?: today| now| tomorrow| on sunday| on sundays)?",
            "kab (?:khulta|khulega|khulti|band hota|band hoga)", "kitne baje (?:khulta|khulega|band hota|band hoga)",
            "(?:aaj |kal |abhi )?(?:open|khula) hai(?: kya)?", "khulne ka (?:time|samay)", "time kab se kab tak",
        )),
        ("location", (
            "address", "location", "where are you", "where are you located", "where is (?:the |your )?salon",
            "where is it", "kahan hai", "kahan ho", "kahan par hai", "aap kahan ho", "kahan pe hai",
            "google maps?(?: link)?", "maps? link", "directions", "how to reach", "how do i reach you",
            "address kya hai", "location bhejo", "send location", "send address", "salon kahan hai",
        )),
        ("parking", (
            "parking", "car parking", "bike parking", "where (?:to|do i|can i) park", "parking space",
            "is parking available", "parking hai", "parking ki jagah",
        )),
        ("payment", (
            "payment methods?", "payment options?", "payment modes?", "modes? of payment", "upi", "gpay",
            "google pay", "phonepe", "phone pe", "paytm", "card payment", "credit cards?", "debit cards?",
            "upi or cash", "cash or upi", "cards? or cash", "upi payment",
        )),
    )
)


# Every rule matches a whole short message; a longer one is never theirs, and the cap bounds regex backtracking.
_LONGEST = 80

# ---- the entry point -----------------------------------------------------------------------------------------------

def match_rules(
    message: str | Normalised, context: RuleContext | None = None, *, payload: str | None = None
) -> Understanding | None:
    """The L1 reading of one message, or None when no rule is sure. `payload` is an interactive reply's id."""
    normalised = message if isinstance(message, Normalised) else normalise(message)
    context = context or RuleContext()
    language = normalised.language
    if payload:
        found = match_payload(payload, language)
        if found is not None:
            return found
    text = _bare(normalised.text)
    if not text:
        return _emoji_only(normalised.emoji_intent, context, language)
    if len(text) > _LONGEST:
        return None
    if _OPT_OUT.fullmatch(text):
        return _l1(Intent.opt_out, language, "stop keyword")
    if _OPT_IN.fullmatch(text):
        return _l1(Intent.opt_in, language, "start keyword")
    if context.pending_confirmation:
        if _DENY.fullmatch(text):
            return _l1(Intent.deny, language, "no, to a pending confirmation")
        if _AFFIRM.fullmatch(text):
            return _l1(Intent.affirm, language, "yes, to a pending confirmation")
    if context.menu:
        found = _menu_choice(text, context.menu, language)
        if found is not None:
            return found
    if _GREET.fullmatch(text):
        return _l1(Intent.greet, language, "greeting only")
    if _THANKS.fullmatch(text):
        return _l1(Intent.thanks, language, "thanks only")
    for topic, pattern in _FAQ_TOPICS:
        if pattern.fullmatch(text):
            intent = Intent.pay if topic == "payment" else Intent.faq
            return _l1(intent, language, f"{intent.value} keyword: {topic}", topic=topic)
    return None


def _emoji_only(hint: str | None, context: RuleContext, language: Language) -> Understanding | None:
    if hint == "thanks":
        return _l1(Intent.thanks, language, "thanks emoji")
    if hint == "complaint":
        return _l1(Intent.complaint, language, "angry emoji")
    if context.pending_confirmation and hint in ("affirm", "deny"):
        return _l1(Intent(hint), language, f"{hint} emoji, to a pending confirmation")
    return None


def _menu_choice(text: str, menu: tuple[str, ...], language: Language) -> Understanding | None:
    number = _MENU_NUMBER.fullmatch(text)
    ordinal = None if number else _MENU_ORDINAL.fullmatch(text)
    if number:
        choice = int(number.group(1))
    elif ordinal:
        choice = _ORDINALS[ordinal.group(1)]
    else:
        return None
    if not 1 <= choice <= len(menu):
        return None
    entry = menu[choice - 1]
    reason = f"menu choice {choice}"
    if entry in Intent.__members__:
        return _l1(Intent(entry), language, reason, menu_choice=choice, choice=entry)
    found = match_payload(entry, language)
    if found is None:
        return None
    return _l1(found.intent, language, reason, menu_choice=choice, choice=entry, **found.slots)
