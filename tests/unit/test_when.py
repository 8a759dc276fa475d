"""Dates and times read from real-looking customer messages: English, Hinglish, Devanagari, WhatsApp spelling.

Now is Wednesday 25 November 2026, 12:00 in Mumbai; the salon opens 10:00-21:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agents.slots.delay import extract_delay
from agents.slots.when import extract_date, extract_time, normalise_numbers

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=IST)
OPENING = (time(10), time(21))

TODAY, TOMORROW, PARSO = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)
SAT, SUN, MON, TUE = date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1)
NEXT_WED, NEXT_WEEK_FRI = date(2026, 12, 2), date(2026, 12, 4)

DATES: list[tuple[str, date]] = [
    # relative words
    ("aaj aa sakti hu?", TODAY),
    ("aj slot hai kya", TODAY),
    ("today evening possible?", TODAY),
    ("आज शाम को", TODAY),
    ("tonight 8 baje", TODAY),
    ("kal ka appointment chahiye", TOMORROW),
    ("kl aaungi", TOMORROW),
    ("tomorrow 11am", TOMORROW),
    ("tmrw pls", TOMORROW),
    ("tomorow morning haircut", TOMORROW),
    ("2moro free ho?", TOMORROW),
    ("कल सुबह 10 बजे", TOMORROW),
    ("parso", PARSO),
    ("parson chalega", PARSO),
    ("parso subah 11 baje haircut", PARSO),
    ("day after tomorrow at 5", PARSO),
    ("day after tmrw?", PARSO),
    ("परसों आऊंगी", PARSO),
    # counts of days and weeks
    ("in 3 days", SAT),
    ("3 din baad", SAT),
    ("teen din baad aaungi", SAT),
    ("do din baad", PARSO),
    ("after 5 days", MON),
    ("4 days later", SUN),
    ("2 din mein", PARSO),
    ("in a week", NEXT_WED),
    ("ek hafte baad", NEXT_WED),
    ("2 hafte baad", date(2026, 12, 9)),
    ("तीन दिन बाद", SAT),
    # weekdays
    ("friday", PARSO),
    ("Saturday 4pm", SAT),
    ("sat ko", SAT),
    ("sunday ko aa jaungi", SUN),
    ("this sunday", SUN),
    ("coming monday", MON),
    ("mon?", MON),
    ("tues evening", TUE),
    ("thursday", TOMORROW),
    ("somvar", MON),
    ("somwar ko", MON),
    ("mangalvar", TUE),
    ("mangalwaar subah", TUE),
    ("budhvar", TODAY),
    ("guruvar ko", TOMORROW),
    ("shukravar dopahar dhai baje", PARSO),
    ("shukrawar", PARSO),
    ("shanivar", SAT),
    ("shaniwar sham", SAT),
    ("ravivar", SUN),
    ("itwar ko", SUN),
    ("etwar", SUN),
    ("सोमवार को", MON),
    ("शनिवार", SAT),
    ("रविवार शाम 5 बजे", SUN),
    ("इतवार", SUN),
    ("next friday 4pm", PARSO),
    ("next monday", MON),
    ("next wednesday", NEXT_WED),
    ("agle shukravar", PARSO),
    ("next week friday", NEXT_WEEK_FRI),
    ("agle hafte shukravar", NEXT_WEEK_FRI),
    ("is sunday", SUN),
    ("aane wale somvar", MON),
    # day of month
    ("the 13th", date(2026, 12, 13)),
    ("on the 28th", SAT),
    ("13th of this month", date(2026, 11, 13)),
    ("28th of this month", SAT),
    ("5th of next month", date(2026, 12, 5)),
    ("13 tareek", date(2026, 12, 13)),
    ("28 tareek ko saade 6", SAT),
    ("28 tarikh", SAT),
    ("30 tarik ko", date(2026, 11, 30)),
    ("25 tareekh", TODAY),
    ("1 date ko", date(2026, 12, 1)),
    ("agle mahine ki 5 tareek", date(2026, 12, 5)),
    ("31st", date(2026, 12, 31)),
    ("१३ तारीख को", date(2026, 12, 13)),
    ("2nd ko", date(2026, 12, 2)),
    # month and day
    ("March 13th", date(2027, 3, 13)),
    ("13 March", date(2027, 3, 13)),
    ("13 mar", date(2027, 3, 13)),
    ("13th of march", date(2027, 3, 13)),
    ("dec 5", date(2026, 12, 5)),
    ("5 dec", date(2026, 12, 5)),
    ("28 nov", SAT),
    ("20 nov", date(2027, 11, 20)),
    ("Jan 2nd", date(2027, 1, 2)),
    ("13 March 2027", date(2027, 3, 13)),
    ("March 13, 2027", date(2027, 3, 13)),
    ("15 दिसंबर", date(2026, 12, 15)),
    # numeric
    ("13/12", date(2026, 12, 13)),
    ("2/1 ko", date(2027, 1, 2)),
    ("28-11", SAT),
    ("13/12/2026", date(2026, 12, 13)),
    ("13-12-26", date(2026, 12, 13)),
    ("13.12.2026", date(2026, 12, 13)),
    ("2026-12-13", date(2026, 12, 13)),
    # a day the customer rules out is skipped
    ("kal nahi, parso", PARSO),
    ("not friday, saturday", SAT),
    ("sunday ko nahi, monday chalega", MON),
    ("is it open on sun", SUN),
]

TIMES: list[tuple[str, time]] = [
    ("5 baje", time(17)),
    ("5 bje", time(17)),
    ("5bje", time(17)),
    ("kal sham ko 5 bje", time(17)),
    ("shaam 5 baje", time(17)),
    ("sham 6", time(18)),
    ("evening 7", time(19)),
    ("5 baje shaam ko", time(17)),
    ("subah 10", time(10)),
    ("subha 11 baje", time(11)),
    ("parso subah 11 baje haircut", time(11)),
    ("morning 9", time(9)),
    ("dopahar 2", time(14)),
    ("dopher 3 baje", time(15)),
    ("dupahar 1 baje", time(13)),
    ("afternoon 2", time(14)),
    ("raat 8", time(20)),
    ("raat 8 baje tak", time(20)),
    ("tonight 8", time(20)),
    ("saade 6", time(18, 30)),
    ("sade 6 baje", time(18, 30)),
    ("28 tareek ko saade 6", time(18, 30)),
    ("saade 10", time(10, 30)),
    ("subah saade 9", time(9, 30)),
    ("sawa 4", time(16, 15)),
    ("sava 11", time(11, 15)),
    ("paune 5", time(16, 45)),
    ("paune 1 baje", time(12, 45)),
    ("dedh", time(13, 30)),
    ("dedh baje", time(13, 30)),
    ("dhai", time(14, 30)),
    ("dhai baje aaungi", time(14, 30)),
    ("shukravar dopahar dhai baje", time(14, 30)),
    ("quarter to 11 in the morning", time(10, 45)),
    ("beard trim at quarter to 11 in the morning", time(10, 45)),
    ("quarter past 3", time(15, 15)),
    ("a quarter past 11", time(11, 15)),
    ("half past 6", time(18, 30)),
    ("half past six", time(18, 30)),
    ("4 o'clock in the evening", time(16)),
    ("4 o\u2019clock", time(16)),
    ("noon", time(12)),
    ("midday works", time(12)),
    ("12 noon", time(12)),
    ("12 baje", time(12)),
    ("5pm", time(17)),
    ("5 PM", time(17)),
    ("5 p.m.", time(17)),
    ("11am", time(11)),
    ("next friday 4pm", time(16)),
    ("5:30 pm", time(17, 30)),
    ("5:30", time(17, 30)),
    ("10:30", time(10, 30)),
    ("17:30", time(17, 30)),
    ("17:30 hrs", time(17, 30)),
    ("5.30", time(17, 30)),
    ("at 5", time(17)),
    ("@4", time(16)),
    ("around 11", time(11)),
    ("at five", time(17)),
    ("2 log aayenge kal 5 baje", time(17)),
    ("10 baje", time(10)),
    ("11 bje", time(11)),
    ("7 baje", time(19)),
    ("paanch baje", time(17)),
    ("shaam saat baje", time(19)),
    ("saade paanch", time(17, 30)),
    ("5-6 pm", time(17)),
    ("4 se 5 baje ke beech", time(16)),
    ("5 bajkar 30 minute", time(17, 30)),
    ("शाम 5 बजे", time(17)),
    ("साढ़े 6", time(18, 30)),
    ("साढे 6 बजे", time(18, 30)),
    ("शाम पाँच बजे", time(17)),
    ("सुबह ११ बजे", time(11)),
    ("दोपहर ढाई बजे", time(14, 30)),
    ("सवा 4 बजे", time(16, 15)),
    ("पौने 5", time(16, 45)),
    ("good morning, can I come at 4?", time(16)),
]

TOGETHER: list[tuple[str, date, time]] = [
    ("kal sham ko 5 bje", TOMORROW, time(17)),
    ("parso subah 11 baje haircut", PARSO, time(11)),
    ("next friday 4pm", PARSO, time(16)),
    ("28 tareek ko saade 6", SAT, time(18, 30)),
    ("shukravar dopahar dhai baje", PARSO, time(14, 30)),
    ("2 log aayenge kal 5 baje", TOMORROW, time(17)),
    ("Hi, can I book a haircut for tomorrow at 11am?", TOMORROW, time(11)),
    ("bhaiya sunday ko 12 baje aa jaun?", SUN, time(12)),
    ("13/12 ko shaam 7 baje facial", date(2026, 12, 13), time(19)),
    ("March 13th at 3:30 pm", date(2027, 3, 13), time(15, 30)),
    ("mujhe aaj raat 8 baje ka slot chahiye", TODAY, time(20)),
    ("kal subah 10 bje threading", TOMORROW, time(10)),
    ("कल शाम 6 बजे हेयरकट", TOMORROW, time(18)),
    ("परसों दोपहर 2 बजे", PARSO, time(14)),
    ("3 din baad saade 4", SAT, time(16, 30)),
    ("2026-12-13 17:00", date(2026, 12, 13), time(17)),
    ("itwar ko sawa 11", SUN, time(11, 15)),
]

NOT_DATES = [
    "hi",
    "2 log",
    "500 rupees",
    "haircut kitne ka hai?",
    "5 baje",
    "at 5pm",
    "3 din",
    "1st time aa rahi hu",
    "may I book a facial",
    "do you have a slot",
    "13.12",
    "5:30",
    "10% off?",
    "mera number 9876543210 hai",
    "sat baje",
    "may 2 of us come?",
    "the sun is too strong",
    "sun tan removal price",
    "Order #12/3",
]
NOT_TIMES = [
    "hi",
    "2 log",
    "500 rupees",
    "rs 5.50",
    "13th",
    "the 13th",
    "3 din baad",
    "dhai ghante lagenge",
    "2 hours",
    "10 min late",
    "kal",
    "shaam ko",
    "13/12",
    "2026-12-13",
    "5 log aayenge",
    "at 2 people",
    "do you have a slot",
    "good morning",
    "13.12",
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_the_date_a_customer_names_is_read(text: str, expected: date) -> None:
    slot = extract_date(text, NOW, IST)
    assert slot is not None and slot.value == expected


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_the_time_a_customer_names_is_read_inside_opening_hours(text: str, expected: time) -> None:
    slot = extract_time(text, opening=OPENING)
    assert slot is not None and slot.value == expected


@pytest.mark.parametrize(("text", "day", "at"), TOGETHER)
def test_a_message_with_a_date_and_a_time_gives_both(text: str, day: date, at: time) -> None:
    slot_date, slot_time = extract_date(text, NOW, IST), extract_time(text, opening=OPENING)
    assert slot_date is not None and slot_date.value == day
    assert slot_time is not None and slot_time.value == at


@pytest.mark.parametrize("text", NOT_DATES)
def test_a_message_without_a_date_gives_none(text: str) -> None:
    assert extract_date(text, NOW, IST) is None


@pytest.mark.parametrize("text", NOT_TIMES)
def test_quantities_prices_and_dates_are_not_times(text: str) -> None:
    assert extract_time(text, opening=OPENING) is None


@pytest.mark.parametrize(
    ("text", "matched", "kind"),
    [
        ("kal sham ko 5 bje", "kal", "relative"),
        ("ok Sunday ko", "Sunday ko", "weekday"),
        ("the 13th please", "the 13th", "day_of_month"),
        ("१३ तारीख को", "१३ तारीख", "day_of_month"),
        ("on 13 March", "13 March", "month_day"),
        ("13/12 ko", "13/12", "numeric"),
        ("2026-12-13", "2026-12-13", "iso"),
        ("teen din baad", "teen din baad", "relative"),
    ],
)
def test_a_date_slot_quotes_the_customers_own_words(text: str, matched: str, kind: str) -> None:
    slot = extract_date(text, NOW, IST)
    assert slot is not None and (slot.matched, slot.kind) == (matched, kind)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("kal sham ko 5 bje", "sham ko 5 bje"),
        ("कल शाम पाँच बजे", "शाम पाँच बजे"),
        ("beard trim at quarter to 11 in the morning", "quarter to 11 in the morning"),
        ("2 log aayenge kal 5 baje", "5 baje"),
        ("next friday 4pm", "4pm"),
    ],
)
def test_a_time_slot_quotes_the_customers_own_words(text: str, matched: str) -> None:
    slot = extract_time(text, opening=OPENING)
    assert slot is not None and slot.matched == matched


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [("5 baje", False), ("at 9", True), ("saade 9", True), ("shaam 9", False), ("9am", False), ("17:00", False)],
)
def test_a_bare_hour_is_ambiguous_only_when_no_single_reading_fits_the_opening_hours(
    text: str, ambiguous: bool
) -> None:
    slot = extract_time(text, opening=OPENING)
    assert slot is not None and slot.ambiguous is ambiguous


def test_opening_hours_decide_which_half_of_the_day_a_bare_hour_means() -> None:
    early = extract_time("8 baje", opening=(time(7), time(12)))
    late = extract_time("8 baje", opening=(time(14), time(22)))
    assert early is not None and (early.value, early.ambiguous) == (time(8), False)
    assert late is not None and (late.value, late.ambiguous) == (time(20), False)


def test_without_opening_hours_a_bare_hour_takes_the_usual_reading_and_is_ambiguous() -> None:
    assert extract_time("5 baje") == extract_time("5 baje", opening=(time(0), time(23, 59))) is not None
    slot = extract_time("at 10")
    assert slot is not None and (slot.value, slot.ambiguous) == (time(10), True)


def test_next_weekday_in_this_week_is_flagged_ambiguous_and_next_week_weekday_is_not() -> None:
    this_week = extract_date("next friday", NOW, IST)
    next_week = extract_date("next week friday", NOW, IST)
    assert this_week is not None and this_week.ambiguous
    assert next_week is not None and not next_week.ambiguous


def test_a_weekday_that_is_today_means_today_but_is_flagged_ambiguous() -> None:
    slot = extract_date("wednesday", NOW, IST)
    assert slot is not None and (slot.value, slot.ambiguous) == (TODAY, True)


def test_a_past_day_of_this_month_named_explicitly_stays_put_and_is_flagged() -> None:
    slot = extract_date("13th of this month", NOW, IST)
    assert slot is not None and slot.ambiguous


def test_relative_dates_count_from_the_branch_day_not_the_utc_day() -> None:
    late_evening_utc = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 01:30 on the 26th in Mumbai
    slot = extract_date("kal", late_evening_utc, IST)
    assert slot is not None and slot.value == date(2026, 11, 27)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        extract_date("kal", datetime(2026, 11, 25, 12), IST)


def test_a_day_of_month_that_this_month_lacks_waits_for_a_month_that_has_it() -> None:
    slot = extract_date("31 tareek", datetime(2027, 2, 3, 12, tzinfo=IST), IST)
    assert slot is not None and slot.value == date(2027, 3, 31)


def test_the_leftmost_date_wins_when_a_message_names_two() -> None:
    slot = extract_date("kal ya parso", NOW, IST)
    assert slot is not None and slot.value == TOMORROW


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("शाम पाँच बजे", "shaam 5 baje"),
        ("teen din baad", "3 din baad"),
        ("do you have a slot", "do you have a slot"),
        ("saade das", "saade 10"),
        ("१२ बजे", "12 baje"),
    ],
)
def test_number_words_become_digits_only_where_they_count_hours_or_days(text: str, normal: str) -> None:
    assert normalise_numbers(text) == normal


# ---- a message that moves a booking names the old slot and the new one ---------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("please shift my haircut from 5 to 7", time(19)),
        ("mera slot 4 se 5 kar do please", time(17)),
        ("dedh baje ki jagah dhai baje kar do", time(14, 30)),
        ("move it to 6pm from 5pm", time(18)),
        ("can I come at 7 instead of 5", time(19)),
        ("reschedule my 11am to 3pm", time(15)),
        ("5 baje wala appointment 6 baje kar do", time(18)),
    ],
)
def test_when_a_booking_is_moved_the_new_time_is_read(text: str, expected: time) -> None:
    found = extract_time(text, opening=OPENING)
    assert found is not None and found.value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("free from 5 to 7?", time(17)),
        ("kal 5 se 7 ke beech koi slot", time(17)),
        ("reschedule to a 5-6 pm slot", time(17)),
    ],
)
def test_a_range_without_a_change_word_starts_at_its_first_hour(text: str, expected: time) -> None:
    found = extract_time(text, opening=OPENING)
    assert found is not None and found.value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kal wali booking parso kar sakte ho?", date(2026, 11, 27)),
        ("move my friday appointment to saturday", date(2026, 11, 28)),
        ("aaj nahi aa paungi, cancel kar do", date(2026, 11, 25)),
        ("kal nahi parso 5 baje", date(2026, 11, 27)),
    ],
)
def test_the_day_a_customer_moves_to_or_cannot_come_on_is_read(text: str, expected: date) -> None:
    found = extract_date(text, NOW, IST)
    assert found is not None and found.value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("kal 11 cutting", time(11)), ("tomorrow 5 haircut", time(17)), ("friday ko 4", time(16)),
     ("parso haircut, time 4", time(16)), ("timing 6 rakhna", time(18))],
)
def test_a_bare_hour_after_a_day_or_the_word_time_is_a_time(text: str, expected: time) -> None:
    found = extract_time(text, opening=OPENING)
    assert found is not None and found.value == expected


@pytest.mark.parametrize("text", ["kal 2 log aayenge", "sunday 3 people", "aaj 500 ka bill", "kal 13th"])
def test_a_count_after_a_day_is_not_a_time(text: str) -> None:
    assert extract_time(text, opening=OPENING) is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("running 20 mins late, can we push it a bit?", 20), ("thoda late ho jaunga", 15), ("10-15 min late", 15),
     ("aadha ghanta late hoga", 30), ("I will be late by an hour", 60), ("मैं 20 मिनट लेट हूँ", 20),
     ("थोड़ा लेट हो जाऊँगा", 15)],
)
def test_how_late_a_customer_will_be_is_read_in_minutes(text: str, minutes: int) -> None:
    assert extract_delay(text) == minutes


@pytest.mark.parametrize("text", ["book a haircut at 5", "late ho raha hai", "last time you were late"])
def test_no_delay_is_read_without_both_lateness_and_an_amount(text: str) -> None:
    assert extract_delay(text) is None
