"""Reading a booking date from a chat message, in English, Hinglish or Hindi. Pure functions, no I/O.

Rules, resolved against ``now`` in the branch's time zone ("today"):
- "aaj"/"today"/"आज" is today, "kal"/"tomorrow"/"कल" is tomorrow (in a booking "kal" looks ahead), "parso"/"day after
  tomorrow"/"परसों" is the day after; "in 3 days"/"3 din baad" and "in 2 weeks"/"2 hafte baad" count from today.
- A bare weekday, "this"/"coming"/"is"/"aane wale" <weekday>: the first such day from today on. When that is today the
  slot is marked ambiguous (the customer may mean a week later).
- "next"/"agle" <weekday>: the first such day strictly after today. When it still falls in the current Monday-Sunday
  week the slot is marked ambiguous ("next Friday" said on a Wednesday may mean the Friday after).
- "next week Friday"/"agle hafte shukravar": the Friday of the next Monday-Sunday week.
- "13th", "13 tareek", "13 date": the next 13th from today on (a day already past this month rolls to next month);
  "13th of this month" stays in this month (marked ambiguous when already past), "of next month" moves on one.
- "13 March", "March 13th", "13/3" (day first, as written in India): the next such date from today on; an explicit
  year ("13/3/2027", "2027-03-13") is taken as written.
When a message holds several dates the leftmost wins (the longest reading where two start together); a date the
customer rules out ("kal nahi", "not Friday") is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from agents.slots.change import choose
from agents.slots.numbers import Normalised, normalise, spellings

DateKind = Literal["relative", "weekday", "day_of_month", "month_day", "numeric", "iso"]


@dataclass(frozen=True)
class DateSlot:
    value: date
    matched: str
    kind: DateKind
    ambiguous: bool = False


_MONTHS: dict[str, int] = spellings(
    (
        "jan january janvari",
        "feb february febuary feburary farvari",
        "mar march",
        "apr april aprail",
        "may",
        "jun june",
        "jul july julai",
        "aug august agast",
        "sep sept september sitambar",
        "oct october aktubar",
        "nov november navambar",
        "dec december disambar",
    ),
    start=1,
)
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-z])"

# Each spelling is a regular expression here; spellings() only splits them on spaces.
_WEEKDAYS: dict[str, int] = spellings(
    (
        r"monday mon som[vw]aa?r",
        r"tuesday tues tue mangal[vw]aa?r",
        r"wednesday wed budh[vw]aa?r",
        r"thursday thurs thur thu (?:guru|brihaspati|veer|vir)[vw]aa?r",
        r"friday fri shuk(?:ra|ar|r)[vw]aa?r",
        r"saturday sat(?!\s*(?:baje|bje|baj))"  # "sat baje" is seven o'clock
        r" shani[vw]aa?r shanichar sanichar",
        r"sunday (?<!the\s)sun(?!\s*(?:tan|burn|screen|block|protection|damage|light|rays?)\b)"  # not the sun
        r" ravi[vw]aa?r it[vw]aa?r itwaar et[vw]aa?r",
    )
)
_WEEKDAY_PATTERNS = [(re.compile(pattern + r"\Z"), number) for pattern, number in _WEEKDAYS.items()]
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")(?![a-z])"

_ORDINAL = r"(?:st|nd|rd|th)"
_NOT_A_DAY = r"(?!\s*(?:time|visit|floor|year|anniversary|birthday|class|cross|main|stage|phase|block)\b)"
_NOT_A_COUNT = (
    r"(?!\s*(?:log|people|persons?|pax|ppl|members?|hours?|hrs?|ghante|ghanta|mins?|minutes?|kg|%|baje|bje"
    r"|[ap]\.?m\b|o'?clock|din|days?)\b)"
)
_TAREEK = r"(?:t[a]a?r[ie]e?kh?|date)"

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], date], tuple[date, bool] | None], DateKind]


def _month_name(match: re.Match[str]) -> int:
    return _MONTHS[match.group("month")]


def _weekday_number(word: str) -> int:
    return next(number for pattern, number in _WEEKDAY_PATTERNS if pattern.match(word))


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_month_day(today: date, month: int, day: int, year: str | None) -> tuple[date, bool] | None:
    """The date as written when the year is given, otherwise the first such date from today on."""
    if year is not None:
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        found = _valid(full_year, month, day)
        return (found, False) if found else None
    for offset in range(9):  # 29 February waits for a leap year
        found = _valid(today.year + offset, month, day)
        if found is not None and found >= today:
            return found, False
    return None


def _next_day_of_month(today: date, day: int, months_ahead: int | None) -> tuple[date, bool] | None:
    if not 1 <= day <= 31:
        return None
    if months_ahead is not None:  # "of this month" / "of next month": stay in that month
        year, month = divmod(today.month - 1 + months_ahead, 12)
        found = _valid(today.year + year, month + 1, day)
        return (found, found < today) if found else None
    for offset in range(12):
        year, month = divmod(today.month - 1 + offset, 12)
        found = _valid(today.year + year, month + 1, day)
        if found is not None and found >= today:
            return found, False
    return None


def _relative(match: re.Match[str], today: date) -> tuple[date, bool]:
    word = match.group().split()[0]
    groups = match.groupdict()
    count = groups.get("count") or groups.get("count2")
    if count:
        unit = 7 if re.search(r"week|haft", match.group()) else 1
        return today + timedelta(days=int(count) * unit), False
    if groups.get("week"):
        return today + timedelta(days=7), False
    if re.fullmatch(r"aa?j|today|tday|tdy|2day|tonight|tonite", word):
        return today, False
    if re.fullmatch(r"pars\w*|prso|day", word):
        return today + timedelta(days=2), False
    return today + timedelta(days=1), False


def _weekday(match: re.Match[str], today: date) -> tuple[date, bool]:
    wanted = _weekday_number(match.group("weekday"))
    modifier = re.sub(r"\s+", " ", match.group("modifier") or "")
    ahead = (wanted - today.weekday()) % 7
    if re.search(r"week|hafte", modifier):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=wanted), False
    if modifier in ("next", "agle", "agla"):
        ahead = ahead or 7
        return today + timedelta(days=ahead), today.weekday() + ahead <= 6
    return today + timedelta(days=ahead), ahead == 0


def _day_of_month(match: re.Match[str], today: date) -> tuple[date, bool] | None:
    which = match.group("which") or ""
    months_ahead = 1 if re.search(r"next|agle", which) else 0 if which else None
    return _next_day_of_month(today, int(match.group("day")), months_ahead)


_RULES: list[_Rule] = [
    (
        re.compile(r"(?<![\d/.-])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\d/.-])"),
        lambda m, today: _next_month_day(today, int(m.group("month")), int(m.group("day")), m.group("year")),
        "iso",
    ),
    (
        re.compile(
            r"(?<![\d/.:#-])(?P<day>\d{1,2})([/.-])(?P<month>\d{1,2})(?:\2(?P<year>\d{4}|\d{2}))?(?![\d/.:-])"
            + _NOT_A_COUNT
        ),
        lambda m, today: (
            None
            if m.group(2) == "." and not m.group("year")
            else _next_month_day(today, int(m.group("month")), int(m.group("day")), m.group("year"))
        ),
        "numeric",
    ),
    (
        re.compile(
            r"(?<![\d/.:-])(?P<day>\d{1,2})\s*" + _ORDINAL + r"?(?:\s+of)?\s*" + _MONTH + r"(?:,?\s*(?P<year>\d{4}))?"
        ),
        lambda m, today: _next_month_day(today, _month_name(m), int(m.group("day")), m.group("year")),
        "month_day",
    ),
    (
        re.compile(
            r"(?<![a-z])"
            + _MONTH
            + r"\s*(?P<day>\d{1,2})"
            + _ORDINAL
            + r"?(?![\d:./]|\s+of\b)"
            + _NOT_A_COUNT
            + r"(?:,?\s*(?P<year>\d{4}))?"
        ),
        lambda m, today: _next_month_day(today, _month_name(m), int(m.group("day")), m.group("year")),
        "month_day",
    ),
    (
        re.compile(
            r"(?:(?P<which>agle\s+mahine|next\s+month|is\s+mahine|this\s+month)\s+(?:ki\s+|ke\s+|on\s+)?)?"
            r"(?:(?:the|on)\s+)?(?<![\d/.:-])(?P<day>\d{1,2})(?:\s*"
            + _ORDINAL
            + r"(?:\s*"
            + _TAREEK
            + r")?|\s*"
            + _TAREEK
            + r")(?![a-z])"
            + _NOT_A_DAY
            + r"(?:\s+of\s+(?P<which2>this|next|the)\s+month)?"
        ),
        lambda m, today: (
            _day_of_month(m, today)
            if not m.group("which2")
            else _next_day_of_month(today, int(m.group("day")), 1 if m.group("which2") == "next" else 0)
        ),
        "day_of_month",
    ),
    (
        re.compile(
            r"(?<![a-z\d])(?:(?:in|after)\s+(?P<count>\d{1,2})\s*(?:days?|dino?n?|din|weeks?|hafte|hafton)"
            r"|(?P<count2>\d{1,2})\s*(?:days?|dino?n?|din|weeks?|hafte|hafton|hafta)\s+"
            r"(?:baad|bad|later|from\s+(?:now|today)|me|mein|main)"
            r"|(?P<week>(?:in|after)\s+(?:a|one)\s+week|next\s+week\s+same\s+day))(?![a-z])"
        ),
        lambda m, today: _relative(m, today),
        "relative",
    ),
    (
        re.compile(
            r"(?<![a-z\d])(?:day\s+after\s+(?:tomorrow|tmrw|tmr|kal)|aa?j|today|tday|tdy|2day|tonight|tonite"
            r"|pars[oau]o?n?|prso|kal|kl|kall|tomorrow|tomorow|tommorow|tommorrow|tomorrw|tmrw|tmrow|tmr|tmw"
            r"|2moro|2morrow|2mrw)(?![a-z])"
        ),
        lambda m, today: _relative(m, today),
        "relative",
    ),
    (
        re.compile(
            r"(?<![a-z])(?:(?P<modifier>next\s+week'?s?|agle\s+hafte(?:\s+k[ae])?|this\s+coming|next|agle|agla"
            r"|this|coming|upcoming|is|aane\s+wale)\s+)?" + _WEEKDAY + r"(?:\s+ko)?(?![a-z])"
        ),
        lambda m, today: _weekday(m, today),
        "weekday",
    ),
]


# "kal nahi, parso" rules kal out; "aaj nahi aa paungi" says something about today (the customer cannot come).
_REFUSED_AFTER = re.compile(r"\s*(?:ko\s+)?(?:nahi|nahin|nhi|nai|not|mat)(?![a-z])"
                            r"(?!\s+(?:aa|ho|ja|pahunch|mil|reh|ruk|kar|pau|paa|paye|sak)[a-z]*(?![a-z]))")
_REFUSED_BEFORE = re.compile(r"(?<![a-z])not\s+\Z")


def _candidates(norm: Normalised, today: date) -> Iterator[tuple[int, int, DateSlot]]:
    for pattern, resolve, kind in _RULES:
        for match in pattern.finditer(norm.text):
            if _REFUSED_AFTER.match(norm.text, match.end()) or _REFUSED_BEFORE.search(norm.text[: match.start()]):
                continue  # "kal nahi, parso": the customer is ruling that day out
            resolved = resolve(match, today)
            if resolved is not None:
                start, end = match.span()
                yield start, end, DateSlot(resolved[0], norm.source(start, end), kind, resolved[1])


def extract_date(text: str, now: datetime, zone: ZoneInfo) -> DateSlot | None:
    """The date a message asks for, resolved against ``now`` read in the branch's zone; None when it names none."""
    if now.tzinfo is None:
        raise ValueError("extract_date needs a timezone-aware now")
    today = now.astimezone(zone).date()
    norm = normalise(text)
    found = sorted(_candidates(norm, today), key=lambda item: (item[0], -item[1]))
    return choose(norm.text, found)
