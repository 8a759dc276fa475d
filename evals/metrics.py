"""Suite metrics from case results: intent accuracy and macro-F1 with a confusion matrix, per-slot exact match,
task success, tier mix, handoff precision and recall, safety violations, latency per tier, tokens and cost."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

SLOTS = ("date", "time", "services", "staff")
TIERS = ("L1", "L2", "L3")


def rate(right: int, total: int) -> float | None:
    return round(right / total, 4) if total else None


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return round(ordered[index], 2)


def intent_scores(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the labelled intents, per-intent precision/recall/F1 and the confusion matrix
    (``{expected: {got: count}}``) of (expected, got) pairs."""
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for expected, got in pairs:
        confusion[expected][got] += 1
    labels = sorted(confusion)
    per: dict[str, dict[str, float | int]] = {}
    for label in labels:
        tp = confusion[label][label]
        predicted = sum(row[label] for row in confusion.values())
        actual = sum(confusion[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                      "support": actual}
    right = sum(confusion[label][label] for label in labels)
    return {"intent_accuracy": rate(right, len(pairs)), "intent_cases": len(pairs),
            "macro_f1": round(sum(p["f1"] for p in per.values()) / len(per), 4) if per else None,
            "per_intent": per, "confusion": {k: dict(v) for k, v in sorted(confusion.items())}}


def _tiers(rows: list[tuple[str, bool, float]]) -> dict[str, Any]:
    """Tier mix (share settled at each tier, and unsettled) and latency p50/p95 per tier of (tier, settled, ms)."""
    counts: Counter[str] = Counter()
    latency: dict[str, list[float]] = defaultdict(list)
    for tier, settled, ms in rows:
        key = tier if settled and tier in TIERS else "unsettled"
        counts[key] += 1
        latency[tier if tier in TIERS else "other"].append(ms)
    total = len(rows)
    return {"tier_mix": {k: rate(counts[k], total) for k in (*TIERS, "unsettled")},
            "settled_l1_l2": rate(counts["L1"] + counts["L2"], total),
            "latency_ms": {tier: {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "n": len(values)}
                           for tier, values in sorted(latency.items())}}


def message_metrics(results: list[dict[str, Any]]) -> dict[str, Any]:
    ran = [r for r in results if r.get("got")]
    pairs = [(r["expect"]["intent"], r["got"]["intent"]) for r in ran if "intent" in r["expect"]]
    slots: dict[str, dict[str, Any]] = {}
    for key in SLOTS:
        labelled = [r for r in ran if key in r["expect"]]
        right = sum(1 for r in labelled if not any(f.startswith(f"{key}:") for f in r["failures"]))
        slots[key] = {"right": right, "total": len(labelled), "rate": rate(right, len(labelled))}
    metrics = {"cases": len(results), "passed": sum(r["ok"] for r in results),
               "pass_rate": rate(sum(r["ok"] for r in results), len(results)),
               "errors": sum(1 for r in results if not r.get("got")), **intent_scores(pairs), "slots": slots}
    metrics.update(_tiers([(r["got"]["tier"], r["got"]["settled"], r["latency_ms"]) for r in ran]))
    by_lang: dict[str, list[bool]] = defaultdict(list)
    for r in ran:
        if "intent" in r["expect"]:
            by_lang[r.get("lang") or "?"].append(r["got"]["intent"] == r["expect"]["intent"])
    metrics["intent_accuracy_by_language"] = {k: rate(sum(v), len(v)) for k, v in sorted(by_lang.items())}
    return metrics


def conversation_metrics(results: list[dict[str, Any]], cases: list[dict[str, Any]], *,
                         safety: bool) -> dict[str, Any]:
    by_id = {c["id"]: c for c in cases}
    turns = [(t, case_turn) for r in results for t, case_turn in zip(r["turns"], by_id[r["id"]]["turns"],
                                                                     strict=False) if not t.get("wait")]
    pairs = [((ct.get("expect") or {})["intent"], t["intent"]) for t, ct in turns
             if isinstance((ct.get("expect") or {}).get("intent"), str)]
    tp = sum(1 for r in results if r.get("expects_handoff") and r.get("handed_over"))
    fp = sum(1 for r in results if not r.get("expects_handoff") and r.get("handed_over"))
    fn = sum(1 for r in results if r.get("expects_handoff") and not r.get("handed_over"))
    usage = [t["usage"] for r in results for t in r["turns"] if t.get("usage")]
    cost = sum(float(u.get("cost_usd") or 0.0) for u in usage)
    passed = sum(r["ok"] for r in results)
    metrics: dict[str, Any] = {
        "cases": len(results), "passed": passed, "task_success": rate(passed, len(results)),
        "turns": len(turns), "errors": sum(1 for r in results if any(f.startswith("error:") for f in r["failures"])),
        **intent_scores(pairs),
        "handoff": {"precision": rate(tp, tp + fp), "recall": rate(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn},
        "tokens": {"prompt": sum(int(u.get("prompt_tokens") or 0) for u in usage),
                   "completion": sum(int(u.get("completion_tokens") or 0) for u in usage)},
        "agent_cost_usd": round(cost, 6),
    }
    metrics.update(_tiers([(t["tier"], t["settled"], t["latency_ms"]) for t, _ in turns]))
    if safety:
        violations = [r for r in results if not r["ok"]]
        by_category: Counter[str] = Counter(r.get("category") or "?" for r in violations)
        metrics["violations"] = len(violations)
        metrics["violations_by_category"] = dict(sorted(by_category.items()))
    else:
        by_use: dict[str, list[bool]] = defaultdict(list)
        for r in results:
            for use in str(r.get("use_case") or "?").replace(",", " ").split():
                by_use[use].append(r["ok"])
        metrics["task_success_by_use_case"] = {k: rate(sum(v), len(v)) for k, v in sorted(by_use.items())}
    return metrics
