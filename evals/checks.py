"""Checking one case's result against its expectations. Each check returns the failures as sentences a person
can read in a report ("time: expected 18:30, got 18:00"); an empty list is a pass."""

from __future__ import annotations

import re
from typing import Any

SLOT_KEYS = ("date", "time", "services", "staff")
TIER_ORDER = {"L1": 1, "L2": 2, "L3": 3}


def _fold(text: str) -> str:
    return text.casefold().replace("-", " ").replace("colour", "color")


def service_found(label: str, found: list[dict[str, Any]]) -> bool:
    """A generic label ("haircut") is found when a matched service (or an unresolved mention's candidates, or the
    words the customer used) carries it."""
    wanted = _fold(label)
    for mention in found:
        names = [mention.get("name") or "", mention.get("text") or ""]
        names += [c.get("name", "") for c in mention.get("candidates", [])]
        if any(wanted in _fold(n) or (n and _fold(n) in wanted) for n in names):
            return True
    return False


def slot_checks(expect: dict[str, Any], slots: dict[str, Any]) -> dict[str, bool]:
    """Per slot the case labels: exact match. An explicit null (or []) means the slot must be empty."""
    result: dict[str, bool] = {}
    for key in ("date", "time"):
        if key in expect:
            result[key] = slots.get(key) == expect[key]
    if "services" in expect:
        found = slots.get("services") or []
        labels = expect["services"] or []
        result["services"] = (not found) if not labels else (
            len(found) == len(labels) and all(service_found(label, found) for label in labels))
    if "staff" in expect:
        staff = (slots.get("staff") or {}).get("name") or ""
        if expect["staff"] is None:
            result["staff"] = not staff
        else:
            result["staff"] = staff.casefold().split()[:1] == [str(expect["staff"]).casefold()]
    return result


def message_failures(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    failures = []
    if "intent" in expect and got["intent"] != expect["intent"]:
        failures.append(f"intent: expected {expect['intent']}, got {got['intent']} ({got['tier']} "
                        f"{got['confidence']:.2f})")
    for key, ok in slot_checks(expect, got["slots"]).items():
        if not ok:
            failures.append(f"{key}: expected {_show(expect[key])}, got {_show(slot_value(got['slots'], key))}")
    if "tier_max" in expect and (not got["settled"] or TIER_ORDER[got["tier"]] > TIER_ORDER[expect["tier_max"]]):
        failures.append(f"tier: expected settled at {expect['tier_max']} or lower, got {got['tier']}"
                        + ("" if got["settled"] else " (unsettled)"))
    return failures


def slot_value(slots: dict[str, Any], key: str) -> Any:
    if key == "services":
        return [s.get("name") or s.get("text") for s in slots.get("services") or []]
    if key == "staff":
        return (slots.get("staff") or {}).get("name")
    return slots.get(key)


def _show(value: Any) -> str:
    return "nothing" if value in (None, [], "") else str(value)


def _any_of(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def offered(choices: list[str], wanted: str) -> str | None:
    """The offered choice ``wanted`` names: its exact id, else the first id it is a prefix of ("slot:")."""
    return next((c for c in choices if c == wanted), None) or next((c for c in choices if c.startswith(wanted)), None)


def args_match(wanted: dict[str, Any], got: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        have = got.get(key)
        if isinstance(value, list):  # as many as wanted, each wanted one inside one of them ("beard" in "Beard trim")
            if not (isinstance(have, list) and len(have) == len(value)
                    and all(any(_fold(str(v)) in _fold(str(h)) for h in have) for v in value)):
                return False
        elif isinstance(value, str) and isinstance(have, str):
            if _fold(value) != _fold(have) and _fold(value) not in _fold(have).split(" ")[:1]:
                return False
        elif value != have:
            return False
    return True


def turn_failures(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """``got``: intent, tier, settled, flow, outcome, tools (names), calls ([{tool, args}]), text, buttons,
    handoff, silent, language."""
    failures = []
    if "intent" in expect and got["intent"] not in _any_of(expect["intent"]):
        failures.append(f"intent: expected {expect['intent']}, got {got['intent']}")
    if "tier" in expect and got["tier"] != expect["tier"]:
        failures.append(f"tier: expected {expect['tier']}, got {got['tier']}")
    if "tier_max" in expect and (got["tier"] not in TIER_ORDER
                                 or TIER_ORDER[got["tier"]] > TIER_ORDER[expect["tier_max"]]):
        failures.append(f"tier: expected {expect['tier_max']} or lower, got {got['tier']}")
    for key in ("flow", "outcome", "language"):
        if key in expect and got[key] not in _any_of(expect[key]):
            failures.append(f"{key}: expected {expect[key]}, got {got[key] or 'nothing'}")
    missing = [t for t in expect.get("tools", []) if t not in got["tools"]]
    if missing:
        failures.append(f"tools: expected {missing} to be called, called {got['tools'] or 'none'}")
    forbidden = [t for t in expect.get("tools_not", []) if t in got["tools"]]
    if forbidden:
        failures.append(f"tools: {forbidden} must not be called, and were")
    for tool, wanted in (expect.get("tool_args") or {}).items():
        calls = [c["args"] for c in got["calls"] if c["tool"] == tool]
        if not any(args_match(wanted, args) for args in calls):
            failures.append(f"tool_args: no {tool} call with {wanted}; calls: {calls or 'none'}")
    text = got["text"].casefold()
    absent = [s for s in expect.get("reply_contains", []) if str(s).casefold() not in text]
    if absent:
        failures.append(f"reply: expected to contain {absent}")
    present = [s for s in expect.get("reply_not_contains", []) if str(s).casefold() in text]
    if present:
        failures.append(f"reply: must not contain {present}")
    if "reply_matches" in expect and not re.search(str(expect["reply_matches"]), got["text"], re.IGNORECASE):
        failures.append(f"reply: expected to match /{expect['reply_matches']}/")
    not_offered = [b for b in expect.get("buttons", []) if offered(got["buttons"], b) is None]
    if not_offered:
        failures.append(f"buttons: expected {not_offered}, offered {got['buttons'] or 'none'}")
    if "handoff" in expect and bool(expect["handoff"]) != got["handoff"]:
        failures.append("handoff: expected the conversation to " + ("be" if expect["handoff"] else "not be")
                        + " handed to a person")
    if "silent" in expect and bool(expect["silent"]) != got["silent"]:
        failures.append("silent: expected " + ("no reply" if expect["silent"] else "a reply"))
    return failures


def booking_matches(wanted: dict[str, Any], got: dict[str, Any]) -> bool:
    """``got``: services (names), staff (full names), date, time, status of one booking."""
    if "status" in wanted and got["status"] != wanted["status"]:
        return False
    for key in ("date", "time"):
        if key in wanted and got[key] != wanted[key]:
            return False
    if "staff" in wanted:
        first = str(wanted["staff"]).casefold()
        if not any(first == s.casefold() or first == s.casefold().split()[0] for s in got["staff"]):
            return False
    names = [_fold(n) for n in got["services"]]
    if "service" in wanted and not any(_fold(str(wanted["service"])) in n for n in names):
        return False
    if "services" in wanted:
        labels = [_fold(str(s)) for s in wanted["services"]]
        if len(labels) != len(names) or not all(any(label in n for n in names) for label in labels):
            return False
    return True


def bookings_failures(wanted: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """The customer's bookings are exactly ``wanted`` (order ignored): each wanted one matches a distinct booking."""
    left = list(got)
    unmatched = []
    for row in wanted:
        found = next((b for b in left if booking_matches(row, b)), None)
        if found is None:
            unmatched.append(row)
        else:
            left.remove(found)
    failures = []
    if unmatched:
        failures.append(f"bookings: expected {unmatched}, have {[_booking_text(b) for b in got] or 'none'}")
    if left and not unmatched:
        failures.append(f"bookings: unexpected {[_booking_text(b) for b in left]}")
    return failures


def _booking_text(b: dict[str, Any]) -> str:
    return f"{' + '.join(b['services'])} with {', '.join(b['staff'])} on {b['date']} {b['time']} ({b['status']})"
