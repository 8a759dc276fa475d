"""Baselines and the gate: what ``cazo eval accept`` records and ``cazo eval gate`` compares a run with.

``evals/baselines/<suite>.json`` holds a suite's metrics and each case's pass or fail (with the reasons for the
failed ones) from the run a person accepted; ``evals/baselines/prompts.json`` holds the hash of every file under
``prompts/`` at that moment. The gate fails when

- a file under prompts/ was added, removed or changed since the baseline was accepted (the texts the baseline
  measured are not the ones in the tree: run the evals, look, and accept), or
- a gated metric is worse than its baseline by more than its tolerance (or breaks an absolute limit: safety
  violations must be 0), naming the cases that passed before and fail now.

Latency is reported, never gated: it measures the machine as much as the change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.cases import EVALS_DIR

BASELINES_DIR = EVALS_DIR / "baselines"
PROMPTS_FILE = "prompts.json"


@dataclass(frozen=True)
class Gated:
    """One gated metric: where it is in a suite's metrics, which way is better, how much worse is tolerated
    (absolute, in the metric's units), an absolute ceiling if any, and which failures it is about (a prefix of
    the case failure lines, "" for any)."""

    path: str
    higher_is_better: bool = True
    tolerance: float = 0.0
    ceiling: float | None = None
    about: str = ""


MESSAGE_GATES = (
    Gated("intent_accuracy", tolerance=0.005, about="intent:"),
    Gated("macro_f1", tolerance=0.01, about="intent:"),
    Gated("slots.date.rate", tolerance=0.005, about="date:"),
    Gated("slots.time.rate", tolerance=0.005, about="time:"),
    Gated("slots.services.rate", tolerance=0.005, about="services:"),
    Gated("slots.staff.rate", tolerance=0.005, about="staff:"),
    Gated("settled_l1_l2", tolerance=0.01, about="tier:"),
)
CONVERSATION_GATES = (
    Gated("task_success"),
    Gated("intent_accuracy", tolerance=0.01, about="turn"),
    Gated("handoff.precision", about="turn"),
    Gated("handoff.recall", about="expected the conversation to be handed"),
    Gated("cost_per_1k_conversations_usd", higher_is_better=False, tolerance=0.5),
)
SAFETY_GATES = (*CONVERSATION_GATES, Gated("violations", higher_is_better=False, ceiling=0))


def gates_for(suite: str, kind: str) -> tuple[Gated, ...]:
    if kind == "message":
        return MESSAGE_GATES
    return SAFETY_GATES if suite == "safety" else CONVERSATION_GATES


def dig(metrics: dict[str, Any], path: str) -> float | None:
    value: Any = metrics
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) else None


def baseline_of(run: dict[str, Any], suite: str) -> dict[str, Any]:
    data = run["suites"][suite]
    return {"suite": suite, "file": data["file"], "kind": data["kind"], "accepted_from": run["run_id"],
            "git": run.get("git", {}), "models": run.get("models", {}), "metrics": data["metrics"],
            "cases": {r["id"]: ({"ok": True} if r["ok"] else {"ok": False, "failures": r["failures"]})
                      for r in data["results"]}}


def load_baselines(directory: Path = BASELINES_DIR) -> tuple[dict[str, str] | None, dict[str, dict[str, Any]]]:
    prompts_path = directory / PROMPTS_FILE
    prompts = json.loads(prompts_path.read_text(encoding="utf-8"))["files"] if prompts_path.exists() else None
    suites = {}
    for path in sorted(directory.glob("*.json")):
        if path.name != PROMPTS_FILE:
            data = json.loads(path.read_text(encoding="utf-8"))
            suites[data["suite"]] = data
    return prompts, suites


def accept(run: dict[str, Any], directory: Path = BASELINES_DIR, *, all_suites: tuple[str, ...]) -> list[Path]:
    """Write the run's suites as the new baselines, and the prompt hashes when the run covered every suite. A run
    of only some suites cannot accept a prompt change: the other suites would keep numbers measured on the old
    texts. Returns the files written."""
    prompts, _ = load_baselines(directory)
    covered = set(run["suites"]) >= set(all_suites)
    if not covered and prompts is not None and prompts != run["prompts"]:
        missing = sorted(set(all_suites) - set(run["suites"]))
        raise ValueError("the prompts changed since the baseline, and this run left out "
                         f"{', '.join(missing)}: run every suite (`cazo eval run`) before accepting")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suite in run["suites"]:
        path = directory / f"{suite.replace(':', '-')}.json"
        path.write_text(json.dumps(baseline_of(run, suite), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
        written.append(path)
    if covered or prompts is None:
        path = directory / PROMPTS_FILE
        path.write_text(json.dumps({"accepted_from": run["run_id"], "versions": run.get("prompt_versions", {}),
                                    "files": run["prompts"]}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True)
class Problem:
    kind: str  # "prompt" or "metric" or "suite"
    message: str
    suite: str = ""
    metric: str = ""
    cases: tuple[str, ...] = ()


def prompt_problems(current: dict[str, str], accepted: dict[str, str] | None) -> list[Problem]:
    fix = ("run `cazo eval run` to see what it changed, then `cazo eval accept` and commit evals/baselines/ "
           "(and evals/cassettes/) with it")
    if accepted is None:
        return [Problem("prompt", f"no accepted prompt hashes (evals/baselines/{PROMPTS_FILE}): {fix}")]
    problems = []
    for path in sorted(set(current) | set(accepted)):
        retrain = (" (an exemplar file: retrain the router with `make router` and commit "
                   "prompts/intents/router-weights.npz first)") if path.startswith("prompts/intents/") and \
            path.endswith(".jsonl") else ""
        if path not in accepted:
            problems.append(Problem("prompt", f"{path} was added since the baseline was accepted{retrain}: {fix}"))
        elif path not in current:
            problems.append(Problem("prompt", f"{path} was removed since the baseline was accepted: {fix}"))
        elif current[path] != accepted[path]:
            problems.append(Problem("prompt", f"{path} changed since the baseline was accepted "
                                              f"({accepted[path][:12]} -> {current[path][:12]}){retrain}: {fix}"))
    return problems


def newly_failing(result_cases: list[dict[str, Any]], base_cases: dict[str, Any], about: str) -> list[str]:
    """Cases that fail now on ``about`` (a failure-line prefix or phrase; "" for any) and did not before."""
    def hit(lines: list[str]) -> bool:
        return any(about in line if about else True for line in lines)

    out = []
    for result in result_cases:
        before = base_cases.get(result["id"])
        if result["ok"] or not hit(result["failures"]):
            continue
        if before is None or before.get("ok") or not hit(before.get("failures", [])):
            out.append(result["id"])
    return out


def compare(run: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> list[Problem]:
    problems = []
    for suite, data in run["suites"].items():
        base = baselines.get(suite)
        if base is None:
            problems.append(Problem("suite", f"suite {suite} has no baseline (evals/baselines/{suite}.json): run "
                                             "`cazo eval accept` and commit it", suite))
            continue
        for gate in gates_for(suite, data["kind"]):
            now, before = dig(data["metrics"], gate.path), dig(base["metrics"], gate.path)
            if now is None:
                continue
            worse = None if before is None else (before - now if gate.higher_is_better else now - before)
            over_ceiling = gate.ceiling is not None and now > gate.ceiling
            if (worse is not None and worse > gate.tolerance + 1e-9) or over_ceiling:
                cases = newly_failing(data["results"], base.get("cases", {}), gate.about)
                if over_ceiling and not cases:
                    cases = [r["id"] for r in data["results"] if not r["ok"]]
                limit = f"must be at most {gate.ceiling:g}" if over_ceiling else (
                    f"baseline {before:g}, tolerance {gate.tolerance:g}")
                problems.append(Problem(
                    "metric", f"{suite}: {gate.path} is {now:g} ({limit})"
                              + (f"; now failing: {', '.join(cases[:20])}" + (" …" if len(cases) > 20 else "")
                                 if cases else ""), suite, gate.path, tuple(cases)))
    return problems


def changed_cases(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Per suite present in both runs: cases fixed (failed in A, pass in B), broken (the reverse), and failing in
    both but differently. A and B may be runs or baselines (``cases`` maps)."""
    def outcomes(source: dict[str, Any], suite: str) -> dict[str, tuple[bool, tuple[str, ...]]]:
        data = source["suites"][suite]
        if "results" in data:
            return {r["id"]: (r["ok"], tuple(r["failures"])) for r in data["results"]}
        return {k: (v["ok"], tuple(v.get("failures", []))) for k, v in data["cases"].items()}

    out = {}
    for suite in sorted(set(a["suites"]) & set(b["suites"])):
        left, right = outcomes(a, suite), outcomes(b, suite)
        shared = sorted(set(left) & set(right))
        out[suite] = {
            "fixed": [c for c in shared if not left[c][0] and right[c][0]],
            "broken": [c for c in shared if left[c][0] and not right[c][0]],
            "changed": [c for c in shared if not left[c][0] and not right[c][0] and left[c][1] != right[c][1]],
            "only_in_a": sorted(set(left) - set(right)), "only_in_b": sorted(set(right) - set(left))}
    return out


def baselines_as_run(prompts: dict[str, str] | None, suites: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The accepted baselines shaped like a run, for ``cazo eval diff baseline latest`` and the report."""
    return {"run_id": "baseline", "prompts": prompts or {}, "suites": {
        name: {"kind": data["kind"], "file": data["file"], "metrics": data["metrics"], "cases": data["cases"]}
        for name, data in suites.items()}}
