"""Dataset files are refused with the file, line and reason; a case's checks say what failed in words."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from evals.cases import SUITES, CaseError, load, parse_wait
from evals.checks import bookings_failures, message_failures, turn_failures


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("rows", "reason"), [
    (({"id": "a", "text": "hi", "expect": {}}, "not json"), r"cases.jsonl:2: not JSON"),
    (({"id": "a", "text": "hi", "expect": {"intnet": "greet"}},), r":1 \(a\): unknown expect keys \['intnet'\]"),
    (({"id": "a", "text": "hi", "expect": {"time": "5pm"}},), r"expect.time '5pm' is not HH:MM"),
    (({"id": "a", "text": "hi", "expect": {}}, {"id": "a", "text": "yo", "expect": {}}), r"appears twice"),
    (({"id": "a", "text": "hi", "expect": {}}, {"id": "b", "turns": [{"user": "hi"}]}), r"mixes message cases"),
    (({"id": "c", "turns": [{"user": "hi", "tap": "x"}]},), r"turn 1 needs exactly one of"),
    (({"id": "c", "turns": [{"user": "hi", "expect": {"reply_matches": "("}}]},), r"not a regular expression"),
    (({"id": "c", "turns": [{"user": "hi"}], "given": {"bookings": [{"service": "Facial"}]}},),
     r"needs service, staff, date and time"),
    (({"id": "c", "now": "2026-11-25T12:00:00", "turns": [{"user": "hi"}]},), r"needs a UTC offset"),
    (({"id": "c", "turns": [{"wait": "soon"}]},), r"turn 1: wait 'soon' is not a duration"),
])
def test_a_malformed_dataset_is_refused_naming_the_line(tmp_path: Path, rows: tuple[object, ...],
                                                         reason: str) -> None:
    with pytest.raises(CaseError, match=reason):
        load(write(tmp_path, *rows))


def test_every_suite_in_the_repository_loads_and_is_as_large_as_promised() -> None:
    minimum = {"understanding": 400, "blind": 200, "slots": 300, "conversations": 80, "safety": 60}
    for suite in SUITES:
        kind, cases = load(suite.path)
        assert kind == suite.kind and len(cases) >= minimum[suite.name], suite.name


def test_message_checks_name_the_slot_and_an_explicit_null_means_nothing_found() -> None:
    got = {"intent": "book", "confidence": 0.93, "tier": "L2", "settled": True,
           "slots": {"date": "2026-11-26", "time": "18:00", "services": [{"name": "Beard Trim"}], "staff": None}}
    assert message_failures({"intent": "book", "date": "2026-11-26", "services": ["beard trim"]}, got) == []
    assert message_failures({"time": "18:30"}, got) == ["time: expected 18:30, got 18:00"]
    assert message_failures({"date": None}, got) == ["date: expected nothing, got 2026-11-26"]
    assert message_failures({"services": []}, got) == ["services: expected nothing, got ['Beard Trim']"]
    assert message_failures({"staff": None, "tier_max": "L1"}, got) == [
        "tier: expected settled at L1 or lower, got L2"]
    assert message_failures({"intent": "availability"}, got) == ["intent: expected availability, got book (L2 0.93)"]


def turn(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "intent": "book", "tier": "L2", "settled": True, "flow": "booking", "outcome": "held", "language": "en",
        "tools": ["check_availability", "hold_slot"],
        "calls": [{"tool": "hold_slot", "args": {"services": ["Beard Trim"], "staff": "Rahul Mehta",
                                                 "date": "2026-11-26", "time": "17:00"}}],
        "text": "Beard Trim with Rahul, Thu 26 Nov 5:00 pm, ₹300. Confirm?", "buttons": ["confirm:yes", "confirm:no"],
        "handoff": False, "silent": False}
    return {**base, **overrides}


def test_turn_checks_cover_tools_arguments_replies_buttons_and_handoff() -> None:
    expect = {"intent": ["book", "availability"], "tier_max": "L2", "tools": ["hold_slot"],
              "tools_not": ["book_appointment"], "reply_contains": ["₹300", "rahul"], "reply_not_contains": ["₹0"],
              "reply_matches": r"5:00\s*pm", "buttons": ["confirm:"], "handoff": False,
              "tool_args": {"hold_slot": {"staff": "Rahul", "time": "17:00", "services": ["beard trim"]}}}
    assert turn_failures(expect, turn()) == []
    failures = turn_failures({**expect, "tool_args": {"hold_slot": {"staff": "Imran"}}, "handoff": True,
                              "reply_contains": ["₹250"], "buttons": ["slot:"]}, turn(tier="L3"))
    assert [f.split(":")[0] for f in failures] == ["tier", "tool_args", "reply", "buttons", "handoff"]


def test_final_bookings_must_be_exactly_the_expected_ones() -> None:
    have = [{"services": ["Beard Trim"], "staff": ["Rahul Mehta"], "date": "2026-11-26", "time": "17:00",
             "status": "confirmed"}]
    assert bookings_failures([{"service": "beard", "staff": "Rahul", "time": "17:00", "status": "confirmed"}],
                             have) == []
    assert bookings_failures([], have)[0].startswith("bookings: unexpected")
    assert bookings_failures([{"service": "Facial"}], have)[0].startswith("bookings: expected [{'service': 'Facial'}]")


def test_a_wait_is_minutes_hours_or_days() -> None:
    assert parse_wait("45m") == timedelta(minutes=45)
    assert parse_wait("1d 2h") == timedelta(days=1, hours=2)
    with pytest.raises(ValueError):
        parse_wait("2 weeks")
