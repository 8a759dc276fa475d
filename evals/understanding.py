"""Scoring ``cazo nlu --batch`` results against a labelled understanding set.

    cazo nlu --batch evals/suites/understanding.jsonl > /tmp/results.jsonl
    python -m evals.understanding /tmp/results.jsonl [--dataset FILE] [--json]

Measures, on the messages of the dataset:

- intent accuracy of the pipeline's answer (settled or not), overall, by language and by tier;
- how many messages were settled at L1 or L2 (no large model needed), and the accuracy of those;
- date and time exact match, over the messages whose label names a date (or a time);
- services and staff found, over the messages whose label names them;
- the confusion pairs that cost the most.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals.checks import service_found

DATASET = Path(__file__).parent / "suites" / "understanding.jsonl"


@dataclass
class Share:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class UnderstandingScore:
    messages: int = 0
    errors: int = 0
    intent: Share = field(default_factory=Share)
    intent_by_language: dict[str, Share] = field(default_factory=dict)
    intent_by_tier: dict[str, Share] = field(default_factory=dict)
    settled_l1_l2: Share = field(default_factory=Share)  # right = settled at L1 or L2, total = all messages
    settled_accuracy: Share = field(default_factory=Share)
    date: Share = field(default_factory=Share)
    time: Share = field(default_factory=Share)
    services: Share = field(default_factory=Share)
    staff: Share = field(default_factory=Share)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)

        def rates(value: Any) -> Any:
            if isinstance(value, dict) and set(value) == {"right", "total"}:
                return {**value, "rate": round(value["right"] / value["total"], 4) if value["total"] else 0.0}
            if isinstance(value, dict):
                return {k: rates(v) for k, v in value.items()}
            return value

        return {k: rates(v) for k, v in data.items()}


def load_jsonl(path: Path | str) -> list[dict[str, Any]]:
    handle = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        return [json.loads(line) for line in handle if line.strip()]
    finally:
        if handle is not sys.stdin:
            handle.close()


def score(dataset: list[dict[str, Any]], results: list[dict[str, Any]]) -> UnderstandingScore:
    by_id = {r.get("id"): r for r in results}
    report = UnderstandingScore()
    confusions: Counter[tuple[str, str]] = Counter()
    for case in dataset:
        report.messages += 1
        expect = case["expect"]
        result = by_id.get(case["id"])
        if result is None or "error" in result:
            report.errors += 1
            report.intent.add(False)
            report.settled_l1_l2.add(False)
            continue
        right = result["intent"] == expect["intent"]
        report.intent.add(right)
        report.intent_by_language.setdefault(case.get("lang", "?"), Share()).add(right)
        report.intent_by_tier.setdefault(result["tier"], Share()).add(right)
        settled = bool(result["settled"]) and result["tier"] in ("L1", "L2")
        report.settled_l1_l2.add(settled)
        if settled:
            report.settled_accuracy.add(right)
        if not right:
            confusions[(expect["intent"], result["intent"])] += 1
        slots = result["slots"]
        slot_misses: list[str] = []
        for key in ("date", "time"):
            if key in expect:
                ok = slots.get(key) == expect[key]
                getattr(report, key).add(ok)
                if not ok:
                    slot_misses.append(f"{key} {slots.get(key)} != {expect[key]}")
        if "services" in expect:
            ok = all(service_found(label, slots.get("services") or []) for label in expect["services"])
            report.services.add(ok)
            if not ok:
                slot_misses.append(f"services {[s.get('name') or s.get('text') for s in slots.get('services') or []]}"
                                   f" != {expect['services']}")
        if "staff" in expect:
            staff = slots.get("staff") or {}
            ok = (staff.get("name") or "").casefold().split()[:1] == [expect["staff"].casefold()]
            report.staff.add(ok)
            if not ok:
                slot_misses.append(f"staff {staff.get('name')} != {expect['staff']}")
        if not right or slot_misses:
            report.misses.append({"id": case["id"], "text": case["text"], "expected": expect["intent"],
                                  "got": result["intent"], "confidence": result["confidence"],
                                  "tier": result["tier"], "slots": slot_misses})
    report.confusions = [(a, b, n) for (a, b), n in confusions.most_common()]
    return report


def _table(report: UnderstandingScore) -> str:
    def line(name: str, share: Share) -> str:
        return f"  {name:<34} {share.right:>4} / {share.total:<4} {share.rate:7.1%}"

    rows = [f"understanding: {report.messages} messages, {report.errors} errors",
            line("intent accuracy", report.intent),
            *(line(f"  language {k}", v) for k, v in sorted(report.intent_by_language.items())),
            *(line(f"  tier {k}", v) for k, v in sorted(report.intent_by_tier.items())),
            line("settled at L1 or L2", report.settled_l1_l2),
            line("  accuracy of those", report.settled_accuracy),
            line("date exact match", report.date), line("time exact match", report.time),
            line("services found", report.services), line("staff found", report.staff)]
    if report.confusions:
        rows.append("  top confusions (expected -> got): " + ", ".join(
            f"{a}->{b} {n}" for a, b, n in report.confusions[:8]))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score `cazo nlu --batch` results against a labelled set.")
    parser.add_argument("results", help="results JSONL from `cazo nlu --batch` (- for standard input)")
    parser.add_argument("--dataset", default=str(DATASET), help="labelled JSONL (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the score as one JSON object")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    report = score(load_jsonl(args.dataset), load_jsonl(args.results))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(_table(report))
        if args.misses:
            for miss in report.misses:
                print(f"  {miss['id']} {miss['text']!r}: {miss['expected']} -> {miss['got']} "
                      f"({miss['tier']} {miss['confidence']:.2f}) {'; '.join(miss['slots'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
