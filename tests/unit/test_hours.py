from __future__ import annotations

from datetime import time

import pytest

from domain.errors import InvalidInput
from domain.hours import Interval, weekday_number, weekly_hours, within


def test_a_split_day_is_two_intervals_in_order() -> None:
    week = weekly_hours({"sat": ["16:00-21:00", "10:00-13:00"]})
    assert week == {5: [Interval(time(10), time(13)), Interval(time(16), time(21))]}


def test_overlapping_intervals_on_one_day_are_refused() -> None:
    with pytest.raises(InvalidInput, match="overlap"):
        weekly_hours({"mon": ["10:00-14:00", "13:00-18:00"]})


@pytest.mark.parametrize("text", ["20:00-10:00", "10:00-10:00", "10:00 to 20:00", "ten-eight", "25:00-26:00"])
def test_malformed_or_backwards_ranges_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        Interval.parse(text)


@pytest.mark.parametrize(("day", "number"), [("mon", 0), ("Sunday", 6), (3, 3)])
def test_weekdays_by_name_or_number(day: str | int, number: int) -> None:
    assert weekday_number(day) == number


def test_an_unknown_weekday_is_refused() -> None:
    with pytest.raises(InvalidInput):
        weekday_number(7)


def test_within_requires_the_whole_interval_inside_one_span() -> None:
    shifts = [Interval.parse("10:00-14:00"), Interval.parse("15:00-19:00")]
    assert within(Interval.parse("13:00-14:00"), shifts)
    assert not within(Interval.parse("13:30-15:30"), shifts)
