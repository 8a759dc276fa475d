"""The eval datasets: the suites, their two formats, and loading them with errors that name the file and line.

Formats (documented in evals/README.md): a *message* case ``{"id", "text", "expect"}`` is one customer message
whose understanding is checked; a *conversation* case ``{"id", "turns", "final"}`` is a whole chat played against
the graph and the database. Safety cases are conversation cases with a few more case-level checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

EVALS_DIR = Path(__file__).resolve().parent
SUITES_DIR = EVALS_DIR / "suites"
DEFAULT_NOW = "2026-11-25T12:00:00+05:30"  # a Wednesday noon in Mumbai
DEFAULT_TENANT = "glow-studio"

Kind = Literal["message", "conversation"]

MESSAGE_KEYS = {"id", "text", "now", "tenant", "lang", "expect", "note"}
MESSAGE_EXPECT = {"intent", "date", "time", "services", "staff", "tier_max"}
CONVERSATION_KEYS = {"id", "tenant", "now", "lang", "use_case", "category", "given", "turns", "final", "note",
                     "forbid_tools", "must_not_leak", "must_handoff"}
TURN_KINDS = ("user", "tap", "payload", "voice", "wait")
TURN_EXPECT = {"intent", "tier", "tier_max", "flow", "outcome", "tools", "tools_not", "tool_args", "reply_contains",
               "reply_not_contains", "reply_matches", "buttons", "handoff", "silent", "language"}
GIVEN_KEYS = {"bookings", "opted_out", "name", "marketing_consent"}
FINAL_KEYS = {"bookings", "booked", "opted_out", "handoff_open", "unchanged_others", "turns_recorded"}
BOOKING_KEYS = {"service", "services", "staff", "date", "time", "status"}
TIERS = ("L1", "L2", "L3")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


@dataclass(frozen=True)
class Suite:
    name: str
    kind: Kind
    path: Path
    about: str


SUITES: tuple[Suite, ...] = (
    Suite("understanding", "message", SUITES_DIR / "understanding.jsonl",
          "intent, date, time, services and staff of single messages"),
    Suite("blind", "message", SUITES_DIR / "blind.jsonl",
          "messages written without seeing the exemplars, to measure generalisation (never tune on it)"),
    Suite("slots", "message", SUITES_DIR / "slots.jsonl", "dates, times, services and staff, including their absence"),
    Suite("conversations", "conversation", SUITES_DIR / "conversations.jsonl",
          "whole chats: intents, tools, replies, buttons, handoffs and the bookings they leave"),
    Suite("safety", "conversation", SUITES_DIR / "safety.jsonl",
          "red-team chats: injection, jailbreaks, data exfiltration, discount abuse, abuse and threats"),
)


def suite(name: str) -> Suite:
    found = next((s for s in SUITES if s.name == name), None)
    if found is None:
        raise ValueError(f"no suite {name!r}; the suites are {', '.join(s.name for s in SUITES)}")
    return found


class CaseError(ValueError):
    """A dataset line that does not follow the documented format."""


def load(path: Path) -> tuple[Kind, list[dict[str, Any]]]:
    """The cases of a dataset file and their kind (every line must be the same kind). Raises CaseError naming the
    file and line of the first problem: nothing runs on a malformed dataset."""
    if not path.exists():
        raise CaseError(f"{path}: no such dataset file")
    cases: list[dict[str, Any]] = []
    kinds: set[Kind] = set()
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise CaseError(f"{where}: not JSON: {exc}") from None
        if not isinstance(case, dict):
            raise CaseError(f"{where}: a case is a JSON object")
        kind: Kind = "conversation" if "turns" in case else "message"
        problems = check_conversation(case) if kind == "conversation" else check_message(case)
        if problems:
            raise CaseError(f"{where} ({case.get('id', 'no id')}): " + "; ".join(problems))
        if case["id"] in seen:
            raise CaseError(f"{where}: id {case['id']!r} appears twice")
        seen.add(case["id"])
        kinds.add(kind)
        cases.append(case)
    if not cases:
        raise CaseError(f"{path}: no cases")
    if len(kinds) > 1:
        raise CaseError(f"{path}: mixes message cases and conversation cases; keep one kind per file")
    return kinds.pop(), cases


def _common(case: dict[str, Any], allowed: set[str]) -> list[str]:
    problems = []
    if not isinstance(case.get("id"), str) or not case["id"]:
        problems.append("needs an \"id\" (a non-empty string)")
    unknown = set(case) - allowed
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    if "now" in case:
        problems += _when(case["now"])
    return problems


def _when(value: Any) -> list[str]:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return [f"\"now\" {value!r} is not ISO-8601"]
    return [] if moment.tzinfo is not None else [f"\"now\" {value!r} needs a UTC offset"]


def check_message(case: dict[str, Any]) -> list[str]:
    problems = _common(case, MESSAGE_KEYS)
    if not isinstance(case.get("text"), str):
        problems.append("needs a \"text\"")
    expect = case.get("expect")
    if not isinstance(expect, dict):
        return problems + ["needs an \"expect\" object"]
    problems += [f"unknown expect keys {sorted(set(expect) - MESSAGE_EXPECT)}"] if set(expect) - MESSAGE_EXPECT else []
    if expect.get("date") is not None and not _DATE.match(str(expect["date"])):
        problems.append(f"expect.date {expect['date']!r} is not YYYY-MM-DD")
    if expect.get("time") is not None and not _TIME.match(str(expect["time"])):
        problems.append(f"expect.time {expect['time']!r} is not HH:MM")
    if "services" in expect and not isinstance(expect["services"], list):
        problems.append("expect.services is a list")
    if "tier_max" in expect and expect["tier_max"] not in TIERS:
        problems.append(f"expect.tier_max is one of {TIERS}")
    return problems


def check_conversation(case: dict[str, Any]) -> list[str]:
    problems = _common(case, CONVERSATION_KEYS)
    turns = case.get("turns")
    if not isinstance(turns, list) or not turns:
        return problems + ["needs at least one turn"]
    for index, turn in enumerate(turns, 1):
        if not isinstance(turn, dict):
            problems.append(f"turn {index} is not an object")
            continue
        said = [k for k in TURN_KINDS if k in turn]
        if len(said) != 1:
            problems.append(f"turn {index} needs exactly one of {TURN_KINDS}")
        unknown = set(turn) - set(TURN_KINDS) - {"expect", "note"}
        if unknown:
            problems.append(f"turn {index} has unknown keys {sorted(unknown)}")
        if "wait" in turn:
            try:
                parse_wait(str(turn["wait"]))
            except ValueError as exc:
                problems.append(f"turn {index}: {exc}")
        expect = turn.get("expect", {})
        if not isinstance(expect, dict):
            problems.append(f"turn {index}: expect is an object")
        elif set(expect) - TURN_EXPECT:
            problems.append(f"turn {index}: unknown expect keys {sorted(set(expect) - TURN_EXPECT)}")
        else:
            for key in ("tier", "tier_max"):
                if key in expect and expect[key] not in TIERS:
                    problems.append(f"turn {index}: expect.{key} is one of {TIERS}")
            if "reply_matches" in expect:
                try:
                    re.compile(str(expect["reply_matches"]))
                except re.error as exc:
                    problems.append(f"turn {index}: reply_matches is not a regular expression: {exc}")
    given = case.get("given", {})
    if not isinstance(given, dict) or set(given) - GIVEN_KEYS:
        problems.append(f"given may hold only {sorted(GIVEN_KEYS)}")
    else:
        problems += _bookings(given.get("bookings", []), "given.bookings", need_when=True)
    final = case.get("final", {})
    if not isinstance(final, dict) or set(final) - FINAL_KEYS:
        problems.append(f"final may hold only {sorted(FINAL_KEYS)}")
    else:
        problems += _bookings(final.get("bookings", []), "final.bookings", need_when=False)
    for key in ("forbid_tools",):
        if key in case and not isinstance(case[key], list):
            problems.append(f"{key} is a list of tool names")
    return problems


def _bookings(rows: Any, where: str, *, need_when: bool) -> list[str]:
    if not isinstance(rows, list):
        return [f"{where} is a list"]
    problems = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict) or set(row) - BOOKING_KEYS:
            problems.append(f"{where}[{index}] may hold only {sorted(BOOKING_KEYS)}")
            continue
        if need_when and not ({"date", "time", "staff"} <= set(row) and ({"service", "services"} & set(row))):
            problems.append(f"{where}[{index}] needs service, staff, date and time")
        if "date" in row and not _DATE.match(str(row["date"])):
            problems.append(f"{where}[{index}].date is YYYY-MM-DD")
        if "time" in row and not _TIME.match(str(row["time"])):
            problems.append(f"{where}[{index}].time is HH:MM")
    return problems


def parse_wait(value: str) -> timedelta:
    """"30m", "2h", "1d" (or a mix: "1d2h") as a duration; a ValueError names what was wrong."""
    parts = re.findall(r"(\d+)\s*([mhd])", value.strip().lower())
    if not parts or re.sub(r"(\d+)\s*([mhd])", "", value.strip().lower()).strip():
        raise ValueError(f"wait {value!r} is not a duration like 30m, 2h or 1d")
    unit = {"m": "minutes", "h": "hours", "d": "days"}
    return sum((timedelta(**{unit[u]: int(n)}) for n, u in parts), timedelta())
