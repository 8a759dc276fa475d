"""The eval results as people read them in a terminal: one table of metrics per run (with the baseline's value
and the change when there is one), the failed cases, and what changed between two runs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from evals.gate import Problem, changed_cases, dig

# (label, path in the suite's metrics, shown as a percentage)
MESSAGE_ROWS = (("cases passed", "pass_rate", True), ("intent accuracy", "intent_accuracy", True),
                ("intent macro-F1", "macro_f1", False), ("date exact", "slots.date.rate", True),
                ("time exact", "slots.time.rate", True), ("services exact", "slots.services.rate", True),
                ("staff exact", "slots.staff.rate", True), ("settled at L1", "tier_mix.L1", True),
                ("settled at L2", "tier_mix.L2", True), ("settled at L3", "tier_mix.L3", True),
                ("unsettled", "tier_mix.unsettled", True), ("L2 latency p50 ms", "latency_ms.L2.p50", False),
                ("L2 latency p95 ms", "latency_ms.L2.p95", False))
CONVERSATION_ROWS = (("task success", "task_success", True), ("turn intent accuracy", "intent_accuracy", True),
                     ("handoff precision", "handoff.precision", True), ("handoff recall", "handoff.recall", True),
                     ("safety violations", "violations", False), ("turns at L1", "tier_mix.L1", True),
                     ("turns at L2", "tier_mix.L2", True), ("turns at L3", "tier_mix.L3", True),
                     ("turns unsettled", "tier_mix.unsettled", True), ("L1 turn p50 ms", "latency_ms.L1.p50", False),
                     ("L1 turn p95 ms", "latency_ms.L1.p95", False), ("L2 turn p50 ms", "latency_ms.L2.p50", False),
                     ("L2 turn p95 ms", "latency_ms.L2.p95", False), ("L3 tokens (agent)", "tokens.prompt", False),
                     ("USD / 1k conversations", "cost_per_1k_conversations_usd", False))


def rows_for(kind: str) -> tuple[tuple[str, str, bool], ...]:
    return MESSAGE_ROWS if kind == "message" else CONVERSATION_ROWS


def shown(value: float | None, percent: bool) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if percent else f"{value:g}"


def delta(now: float | None, before: float | None, percent: bool) -> str:
    if now is None or before is None or abs(now - before) < 1e-9:
        return ""
    change = now - before
    return f"{change * 100:+.1f} pt" if percent else f"{change:+g}"


def print_summary(run: dict[str, Any], baselines: dict[str, dict[str, Any]], console: Console) -> None:
    for name, data in run["suites"].items():
        metrics = data["metrics"]
        base = (baselines.get(name) or {}).get("metrics")
        table = Table(title=f"{name}: {metrics['cases']} cases from {data['file']} ({data['seconds']} s)")
        table.add_column("metric")
        table.add_column("now", justify="right")
        if base:
            table.add_column("baseline", justify="right")
            table.add_column("change", justify="right")
        for label, path, percent in rows_for(data["kind"]):
            value = dig(metrics, path)
            if value is None and (not base or dig(base, path) is None):
                continue
            row = [label, shown(value, percent)]
            if base:
                row += [shown(dig(base, path), percent), delta(value, dig(base, path), percent)]
            table.add_row(*row)
        console.print(table)
        calls = metrics.get("model_calls") or {}
        for model, counts in calls.items():
            console.print(f"  {model}: {counts['hits']} replayed, {counts['recorded']} recorded, "
                          f"{counts['stale']} stale, {counts['missing']} missing (model unavailable)")
        failed = [r for r in data["results"] if not r["ok"]]
        if failed:
            console.print(f"  [yellow]{len(failed)} failed[/yellow]: "
                          + ", ".join(r["id"] for r in failed[:30]) + (" …" if len(failed) > 30 else ""))
    stale = sum(c["stale"] for c in run.get("cassettes", {}).values())
    missing = sum(c["missing"] for c in run.get("cassettes", {}).values())
    if stale:
        console.print(f"[yellow]{stale} model calls had only stale cassettes (recorded with a prompt that has "
                      "changed): re-record them with an endpoint configured[/yellow]")
    if missing:
        console.print(f"{missing} model calls had no cassette and no endpoint: those turns ran with that model "
                      "unavailable, as production does when it cannot reach it")


def print_failures(run: dict[str, Any], console: Console, limit: int = 40) -> None:
    for name, data in run["suites"].items():
        failed = [r for r in data["results"] if not r["ok"]]
        for result in failed[:limit]:
            console.print(f"[bold]{name} {result['id']}[/bold] " + (result.get("text") or ""))
            for line in result["failures"]:
                console.print(f"   - {line}")


def print_problems(problems: list[Problem], console: Console) -> None:
    for problem in problems:
        console.print(f"[red]✗[/red] {problem.message}")


def print_diff(a: dict[str, Any], b: dict[str, Any], console: Console) -> None:
    changes = changed_cases(a, b)
    for suite, found in changes.items():
        kind = a["suites"][suite]["kind"]
        table = Table(title=f"{suite}: {a['run_id']} -> {b['run_id']}")
        for column in ("metric", "A", "B", "change"):
            table.add_column(column, justify="left" if column == "metric" else "right")
        for label, path, percent in rows_for(kind):
            left, right = dig(a["suites"][suite]["metrics"], path), dig(b["suites"][suite]["metrics"], path)
            if left is None and right is None:
                continue
            table.add_row(label, shown(left, percent), shown(right, percent), delta(right, left, percent))
        console.print(table)
        for what, label in (("fixed", "fixed (failed in A, pass in B)"), ("broken", "broken (pass in A, fail in B)"),
                            ("changed", "failing in both, differently"), ("only_in_a", "only in A"),
                            ("only_in_b", "only in B")):
            if found[what]:
                console.print(f"  {label}: {', '.join(found[what][:40])}" + (" …" if len(found[what]) > 40 else ""))
        if not any(found.values()):
            console.print("  no case changed")
