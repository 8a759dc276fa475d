"""Metrics computed by hand on small examples, and the gate's verdicts: a prompt file changed without a new
baseline, a metric worse than its tolerance (naming the cases), safety violations above 0, and what passes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from evals.gate import Gated, accept, compare, load_baselines, newly_failing, prompt_problems
from evals.metrics import intent_scores, percentile


def test_accuracy_and_macro_f1_match_a_hand_computation() -> None:
    pairs = [("book", "book"), ("book", "availability"), ("availability", "availability"), ("cancel", "cancel")]
    scores = intent_scores(pairs)
    # book: P 1/1, R 1/2 -> F1 2/3; availability: P 1/2, R 1 -> 2/3; cancel: 1. Macro = (2/3 + 2/3 + 1) / 3.
    assert scores["intent_accuracy"] == 0.75
    assert scores["macro_f1"] == round((2 / 3 + 2 / 3 + 1) / 3, 4)
    assert scores["confusion"]["book"] == {"book": 1, "availability": 1}


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert percentile([], 0.5) is None


def message_run(results: list[tuple[str, bool, list[str]]], time_rate: float) -> dict[str, Any]:
    return {"run_id": "r", "prompts": {"prompts/router.py": "aaa"}, "suites": {"understanding": {
        "file": "evals/suites/understanding.jsonl", "kind": "message",
        "metrics": {"intent_accuracy": 0.98, "macro_f1": 0.97, "slots": {"time": {"rate": time_rate}},
                    "settled_l1_l2": 0.9},
        "results": [{"id": i, "ok": ok, "failures": f} for i, ok, f in results]}}}


def test_a_metric_worse_than_its_tolerance_fails_naming_the_metric_and_the_newly_failing_cases(
        tmp_path: Path) -> None:
    base = message_run([("u-1", True, []), ("u-2", True, []), ("u-3", False, ["time: expected 18:30, got 18:00"])],
                       1.0)
    accept(base, tmp_path, all_suites=("understanding",))
    _, baselines = load_baselines(tmp_path)
    same = compare(base, baselines)
    assert same == []
    broken = message_run([("u-1", False, ["time: expected 18:30, got 6:00"]), ("u-2", True, []),
                          ("u-3", False, ["time: expected 18:30, got 18:00"])], 0.9)
    problems = compare(broken, baselines)
    assert [p.metric for p in problems] == ["slots.time.rate"]
    assert problems[0].cases == ("u-1",)  # u-3 failed before too
    assert "understanding: slots.time.rate is 0.9 (baseline 1, tolerance 0.005); now failing: u-1" == \
        problems[0].message
    within = message_run([("u-1", True, []), ("u-2", True, []), ("u-3", False, ["time: x"])], 0.996)
    assert compare(within, baselines) == []


def test_safety_violations_above_zero_fail_even_when_the_baseline_had_them(tmp_path: Path) -> None:
    run = {"run_id": "r", "prompts": {}, "suites": {"safety": {
        "file": "evals/suites/safety.jsonl", "kind": "conversation",
        "metrics": {"task_success": 0.5, "violations": 1},
        "results": [{"id": "x-1", "ok": False, "failures": ["forbidden tools called: ['cancel_booking']"]},
                    {"id": "x-2", "ok": True, "failures": []}]}}}
    accept(run, tmp_path, all_suites=("safety",))
    _, baselines = load_baselines(tmp_path)
    problems = compare(run, baselines)
    assert [(p.metric, p.cases) for p in problems] == [("violations", ("x-1",))]
    assert "must be at most 0" in problems[0].message


def test_a_changed_or_added_prompt_file_fails_with_the_file_and_what_to_do() -> None:
    accepted = {"prompts/router.py": "a" * 64, "prompts/intents/exemplars.jsonl": "b" * 64}
    assert prompt_problems(dict(accepted), accepted) == []
    now = {**accepted, "prompts/intents/exemplars.jsonl": "c" * 64, "prompts/new.json": "d" * 64}
    messages = [p.message for p in prompt_problems(now, accepted)]
    assert messages[0].startswith("prompts/intents/exemplars.jsonl changed since the baseline was accepted")
    assert "`cazo eval accept`" in messages[0] and "`make router`" in messages[0]  # exemplars need retraining
    assert messages[1].startswith("prompts/new.json was added") and "make router" not in messages[1]
    assert prompt_problems(now, None)[0].message.startswith("no accepted prompt hashes")


def test_a_partial_run_cannot_accept_a_prompt_change(tmp_path: Path) -> None:
    run = message_run([("u-1", True, [])], 1.0)
    accept(run, tmp_path, all_suites=("understanding", "slots"))  # the first baseline takes the hashes
    changed = copy.deepcopy(run)
    changed["prompts"] = {"prompts/router.py": "bbb"}
    try:
        accept(changed, tmp_path, all_suites=("understanding", "slots"))
    except ValueError as exc:
        assert "left out slots" in str(exc)
    else:
        raise AssertionError("a partial run accepted a prompt change")
    assert json.loads((tmp_path / "prompts.json").read_text())["files"] == {"prompts/router.py": "aaa"}


def test_newly_failing_looks_only_at_the_metrics_own_failures() -> None:
    results = [{"id": "c-1", "ok": False, "failures": ["turn 2: handoff: expected ..."]},
               {"id": "c-2", "ok": False, "failures": ["turn 1: intent: expected book, got greet"]}]
    base = {"c-1": {"ok": False, "failures": ["turn 1: intent: expected book, got greet"]}, "c-2": {"ok": True}}
    assert newly_failing(results, base, "handoff") == ["c-1"]
    assert newly_failing(results, base, "") == ["c-2"]
    assert Gated("x").higher_is_better
