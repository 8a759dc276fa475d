"""Weekly hours: opening hours, shifts and breaks as intervals per weekday (0 = Monday), validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time

from domain.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Interval:
    starts: time
    ends: time

    @classmethod
    def parse(cls, text: str) -> Interval:
        """'10:00-20:00' -> Interval(10:00, 20:00)."""
        try:
            start_text, end_text = (part.strip() for part in text.split("-"))
            interval = cls(time.fromisoformat(start_text), time.fromisoformat(end_text))
        except ValueError as exc:
            raise InvalidInput(f"{text!r} is not a time range like 10:00-20:00.") from exc
        interval.validate()
        return interval

    def validate(self) -> None:
        if self.ends <= self.starts:
            raise InvalidInput(f"{self} ends before it starts; overnight ranges are not supported.")

    def __str__(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"


WeeklyHours = dict[int, list[Interval]]


def weekday_number(day: int | str) -> int:
    if isinstance(day, int):
        if 0 <= day <= 6:
            return day
    elif day.strip().lower()[:3] in WEEKDAYS:
        return WEEKDAYS.index(day.strip().lower()[:3])
    raise InvalidInput(f"{day!r} is not a weekday (use 0-6 from Monday, or mon..sun).")


def weekly_hours(spec: Mapping[int | str, Iterable[str | Interval]]) -> WeeklyHours:
    """Validate a week: each day's intervals must be well formed and must not overlap one another."""
    week: WeeklyHours = {}
    for day, intervals in spec.items():
        number = weekday_number(day)
        parsed = sorted(item if isinstance(item, Interval) else Interval.parse(item) for item in intervals)
        for item in parsed:
            item.validate()
        for earlier, later in zip(parsed, parsed[1:], strict=False):
            if later.starts < earlier.ends:
                raise InvalidInput(f"{WEEKDAYS[number]}: {earlier} and {later} overlap.")
        week.setdefault(number, []).extend(parsed)
    return week


def within(inner: Interval, outer: Iterable[Interval]) -> bool:
    return any(span.starts <= inner.starts and inner.ends <= span.ends for span in outer)
