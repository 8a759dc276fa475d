"""Reading a booking time from a chat message, in English, Hinglish or Hindi. Pure functions, no I/O.

What counts as a time: a clock ("5:30", "17:30", "5.30"), an hour with am/pm ("5pm", "5-6 pm"), with "baje"/"o'clock"
("5 baje", "5 bje", "शाम 5 बजे"), after "at"/"around" ("at 5"), next to a part of the day ("shaam 5", "10 subah"),
Hindi fractions ("saade 6" = 6:30, "sawa 4" = 4:15, "paune 5" = 4:45, "dedh" = 1:30, "dhai" = 2:30), English ones
("quarter to 11", "quarter past 3", "half past 6"), and "noon"/"midday"/"midnight". A number followed by a count
("2 log", "500 rupees", "3 din", "13th") is not a time.

Which half of the day: am/pm decides; otherwise a part of the day next to the time (subah/morning = AM,
dopahar/afternoon = PM from 1 to 7, shaam/evening = PM, raat/night = PM from 6 to 11); otherwise the salon's opening
hours, when given, pick the one reading that falls inside them. When both or neither reading fits (or no hours are
given) the slot is marked ambiguous and the usual reading is taken: 1 to 7 and 12 as afternoon/evening, 8 to 11 as
morning. When a message holds several times the leftmost wins (the longest reading where two start together).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Literal

from agents.slots.change import choose, is_change
from agents.slots.numbers import PART_OF_DAY, Normalised, normalise

Period = Literal["morning", "afternoon", "evening", "night"]


@dataclass(frozen=True)
class TimeSlot:
    value: time
    matched: str
    ambiguous: bool


_PERIODS: tuple[tuple[re.Pattern[str], Period], ...] = (
    (re.compile(r"sub|sav|saw|mor|mrng"), "morning"),
    (re.compile(r"d[ou]p|aft"), "afternoon"),
    (re.compile(r"sha|eve|evng"), "evening"),
    (re.compile(r"r|n|ton"), "night"),
)
_POD = r"(?<![a-z])(?P<pod>" + PART_OF_DAY + r")"
_MER = r"(?P<mer>[ap])\.?\s?m\.?(?![a-z])"
_BAJE = r"(?:baje|bje|bajey|bajay|baji|bjy|bajkar|bajke|baj(?:\s*ke)?|o'?\s?clock|oclock)(?![a-z])"
_HOUR = r"(?<![\d:/.,-])(?P<h>\d{1,2})"
_RANGE = r"(?:\s*(?:-|to|or|ya|se|till|until)\s*(?P<h2>\d{1,2}))?"
_NOT_A_COUNT = (
    r"(?!\s*(?:log|logo|logon|people|persons?|pax|ppl|members?|ladies|gents|bande|kids?|rs|rupees?|rupaye|rupay"
    r"|rupaiye|inr|/-|%|k|kg|din|dino|dinon|days?|weeks?|hafte|months?|mahine|saal|years?|yrs?|ghante|ghanta|hours?"
    r"|hrs?|minutes?|mins?|st|nd|rd|th|t[a]a?r[ie]e?kh?|date|baar|times?|services?|items?|sau|hazaa?r|lakh)(?![a-z]))"
)
_BARE_END = r"(?![\d:./]|\s*(?:" + _MER + "|" + _BAJE + r"|-\s*\d|noon|midday|midnight))" + _NOT_A_COUNT

_DAY_WORD = (
    r"(?<![a-z])(?:kal|aaj|parso|tomorrow|today|tonight|tmrw|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)"
    r"(?:day)?|(?:som|mangal|budh|guru|shukra|shani|ravi|it)(?:v|w)aa?r)"
)

_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        _HOUR + r"(?P<sep>[:.])(?P<m>\d{2})(?!\d|[./-]\d)(?:\s*(?:" + _MER + "|" + _BAJE + r"|hrs?(?![a-z])))?",
        _HOUR + _RANGE + r"\s*" + _MER,
        _HOUR + r"\s*(?:baje|bje|bajkar|bajke|baj\s*ke|baj)\s*(?P<m>\d{1,2})\s*(?:minutes?|mins?|minit)(?![a-z])",
        _HOUR + _RANGE + r"\s*" + _BAJE,
        r"(?<![a-z])(?P<frac>saa?dh?e|saare|sawa|sava|savva|swa|paune|pone|poune)\s*"
        + _HOUR
        + r"(?![\d:.])(?:\s*"
        + _BAJE
        + r")?"
        + _NOT_A_COUNT,
        r"(?<![a-z])(?P<word>dedh|derh|dhai|dhaai|dhaee|dhayi|adhai)(?![a-z])(?:\s*" + _BAJE + r")?" + _NOT_A_COUNT,
        r"(?<![a-z])(?:a\s+)?(?P<rel>quarter\s+to|quarter\s+past|half\s+past)\s+"
        + _HOUR
        + r"(?![\d:.])(?:\s*(?:"
        + _BAJE
        + "|"
        + _MER
        + "))?",
        r"(?<![a-z\d])(?:12\s*(?:o'?\s?clock\s*|baje\s*)?)?(?P<word>noon|midday|mid-day|midnight)(?![a-z])",
        r"(?<![a-z])(?:at|@|around|arnd|abt|about|approx|approximately|time|timing|samay)\s*(?:(?:is|hai|:|-)\s*)?"
        + _HOUR + _BARE_END,
        # A bare hour the customer changes to: "make it 6", "change it to 7", "shift to 5", "8 instead".
        r"(?<![a-z])(?:make\s+it|change\s+(?:it\s+)?to|move\s+(?:it\s+)?to|shift\s+(?:it\s+)?to|switch\s+to)\s+"
        + _HOUR + _BARE_END,
        r"(?<![a-z\d:./-])" + _HOUR + r"\s+instead(?![a-z])",
        # A bare hour right after a day: "kal 5", "tomorrow 11", "friday ko 4".
        _DAY_WORD + r"\s+(?:(?:ko|at|around|@)\s*)?" + _HOUR + _BARE_END,
        # A bare pair: "from 5 to 7", "4 se 5" (the second hour is the new time when the message moves a booking).
        r"(?<![a-z\d:./-])(?:from\s+)?" + _HOUR + r"\s*(?:to|till|until|se|-)\s*(?P<h2>\d{1,2})" + _BARE_END,
        _POD + r"\s+(?:(?:ko|ke|at|around|about|abt|lagbhag|approx)\s+){0,2}" + _HOUR + _BARE_END,
        _HOUR + r"(?![\d:./])\s+(?:(?:ko|in\s+the|at|ke)\s+)?" + _POD,
    )
)
_POD_BEFORE = re.compile(_POD + r"(?:\s*,?\s*(?:ko|ke|at|around|about|abt|lagbhag|approx|me|mein))*\s*,?\s*\Z")
_POD_AFTER = re.compile(r"\s*,?\s*(?:(?:ko|ke|in|the|at|of)\s+)*" + _POD)
_MONEY_BEFORE = re.compile(r"(?:rs\.?|₹|inr)\s*\Z")


def _period(word: str) -> Period:
    return next(period for pattern, period in _PERIODS if pattern.match(word))


def _in_period(hour: int, period: Period) -> int:
    if hour == 12:
        return 0 if period == "night" else 12
    if period == "morning" or (period == "afternoon" and hour >= 8) or (period == "night" and hour <= 5):
        return hour
    return hour + 12


def _resolve(
    hour: int, minute: int, meridiem: str | None, period: Period | None, opening: tuple[time, time] | None
) -> tuple[time, bool] | None:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if hour == 0 or hour > 12:  # a 24-hour clock says which half of the day it means
        return time(hour, minute), False
    if meridiem is not None:
        return time(hour % 12 + (12 if meridiem == "p" else 0), minute), False
    if period is not None:
        return time(_in_period(hour, period), minute), False
    morning, afternoon = time(hour % 12, minute), time(hour % 12 + 12, minute)
    if opening is not None:
        fits = [reading for reading in (morning, afternoon) if opening[0] <= reading < opening[1]]
        if len(fits) == 1:
            return fits[0], False
    return (afternoon if hour <= 7 or hour == 12 else morning), True


def _hour_and_minute(match: re.Match[str]) -> tuple[int, int] | None:
    groups = match.groupdict()
    word = groups.get("word")
    if word is not None:
        return (1, 30) if word in ("dedh", "derh") else (2, 30)  # dedh, dhai
    hour = int(match.group("h"))
    fraction = groups.get("frac") or groups.get("rel")
    if fraction is None:
        return hour, int(groups.get("m") or 0)
    if not 1 <= hour <= 12:
        return None
    if fraction.startswith(("saa", "sad", "half")):
        return hour, 30
    if fraction.startswith(("saw", "sav", "swa", "quarter p")):
        return hour, 15
    return (hour - 1 or 12), 45  # paune 5, quarter to 5


def _reading(
    norm: Normalised, match: re.Match[str], opening: tuple[time, time] | None, second: bool = False
) -> tuple[int, int, TimeSlot] | None:
    start, end = match.span()
    groups = match.groupdict()
    text = norm.text
    if groups.get("word") in ("noon", "midday", "mid-day", "midnight"):
        fixed = time(0) if groups["word"] == "midnight" else time(12)
        return start, end, TimeSlot(fixed, norm.source(start, end), False)
    if groups.get("sep") == "." and (int(match.group("m")) % 5 or _MONEY_BEFORE.search(text[:start])):
        return None  # "5.30" is half past five; "13.12" and "rs 5.50" are not times
    hour_minute = _hour_and_minute(match)
    if second and groups.get("h2") and groups.get("sep") is None and "-" not in match.group():
        hour_minute = (int(groups["h2"]), 0)  # "from 5 to 7" moving a booking: 7 is the new time
    if hour_minute is None:
        return None
    pod = groups.get("pod")
    if pod is None and groups.get("mer") is None:
        before = _POD_BEFORE.search(text[:start])
        after = _POD_AFTER.match(text, end)
        if before is not None:
            pod, start = before.group("pod"), before.start()
        elif after is not None:
            pod, end = after.group("pod"), after.end()
    resolved = _resolve(*hour_minute, groups.get("mer"), _period(pod) if pod else None, opening)
    if resolved is None:
        return None
    return start, end, TimeSlot(resolved[0], norm.source(start, end), resolved[1])


def extract_time(text: str, *, opening: tuple[time, time] | None = None) -> TimeSlot | None:
    """The time of day a message asks for, read inside the salon's ``opening`` hours; None when it names none."""
    norm = normalise(text)
    second = is_change(norm.text)
    found = [
        reading
        for pattern in _RULES
        for match in pattern.finditer(norm.text)
        if (reading := _reading(norm, match, opening, second)) is not None
    ]
    found.sort(key=lambda item: (item[0], -item[1]))
    return choose(norm.text, found)
