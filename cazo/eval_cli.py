"""``cazo eval``: run the eval suites, gate a change on them, accept a new baseline, compare two runs.

    cazo eval run [--suite NAME ...] [--dataset FILE ...] [--json] [--report FILE.html]
    cazo eval gate [--run FILE] [--report FILE.html] [--json]
    cazo eval accept [--run FILE]
    cazo eval diff A B [--json]

Runs are saved under DATA_DIR/evals/runs/ (``latest.json`` is the newest); baselines live in evals/baselines/ and
are committed. evals/README.md documents the formats, the metrics and the gate's rules.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

eval_app = typer.Typer(help="Evaluations of the conversation on a throw-away database: run the suites, gate a "
                            "change, accept a baseline, compare runs.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _settings() -> Any:
    from cazo.settings import load_settings

    try:
        return load_settings()
    except Exception as exc:  # pydantic's ValidationError, shown without a traceback
        errors.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _runs_dir(settings: Any) -> Path:
    return Path(settings.data_dir) / "evals" / "runs"


def _selection(suites: list[str] | None, datasets: list[Path] | None) -> list[tuple[str, str, Path]]:
    """(name, kind, path) of what to run, every file checked before anything starts."""
    from evals.cases import SUITES, CaseError, load, suite

    chosen: list[tuple[str, str, Path]] = []
    try:
        picked = [suite(name) for name in suites or []]
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    if not picked and not datasets:
        picked = list(SUITES)
    for item in picked:
        try:
            kind, _ = load(item.path)
        except CaseError as exc:
            raise _fail(f"suite {item.name}: {exc}", 2) from exc
        chosen.append((item.name, kind, item.path))
    for path in datasets or []:
        try:
            kind, _ = load(path)
        except CaseError as exc:
            raise _fail(str(exc), 2) from exc
        name = next((s.name for s in SUITES if s.path.resolve() == path.resolve()), f"dataset:{path.stem}")
        chosen.append((name, kind, path))
    names = [name for name, _, _ in chosen]
    if len(set(names)) != len(names):
        raise _fail(f"the same dataset is named twice: {names}", 2)
    return chosen


def _save(run: dict[str, Any], settings: Any) -> Path:
    directory = _runs_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{run['run_id']}.json"
    data = json.dumps(run, ensure_ascii=False)
    path.write_text(data, encoding="utf-8")
    (directory / "latest.json").write_text(data, encoding="utf-8")
    return path


def _load_run(name: str, settings: Any, baselines_dir: Path | None = None) -> dict[str, Any]:
    from evals.gate import BASELINES_DIR, baselines_as_run, load_baselines

    if name == "baseline":
        prompts, suites = load_baselines(baselines_dir or BASELINES_DIR)
        if not suites:
            raise _fail("no baselines in evals/baselines/ yet: run `cazo eval run`, then `cazo eval accept`", 2)
        return baselines_as_run(prompts, suites)
    path = _runs_dir(settings) / "latest.json" if name == "latest" else Path(name)
    if not path.exists():
        hint = "run `cazo eval run` first" if name == "latest" else "give a run file (JSON) or latest or baseline"
        raise _fail(f"no run at {path}: {hint}", 2)
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise _fail(f"{path} is not a run file: {exc}", 2) from exc
    if not isinstance(run, dict) or "suites" not in run:
        raise _fail(f"{path} is not a run file (no suites)", 2)
    return run


def _execute(selection: list[tuple[str, str, Path]], settings: Any, quiet: bool,
             cassettes: Path | None = None) -> dict[str, Any]:
    import logging
    import warnings

    from cazo.eval_runs import run_evals

    # The cases exercise failures on purpose (an unavailable L3, a flagged injection): their warnings are results,
    # counted in the report, not news for the terminal.
    logging.basicConfig(level=logging.ERROR, force=True)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    return asyncio.run(run_evals(selection, settings, quiet=quiet, cassette_dir=cassettes))


def _summary_json(run: dict[str, Any], saved: Path | None, problems: list[Any] | None = None) -> str:
    body: dict[str, Any] = {
        "run_id": run["run_id"], "saved_to": str(saved) if saved else None, "seconds": run.get("seconds"),
        "models": run.get("models"), "cassettes": run.get("cassettes"), "prompt_versions": run.get("prompt_versions"),
        "suites": {name: {"file": data["file"], "metrics": data["metrics"],
                          "failed": [{"id": r["id"], "failures": r["failures"]} for r in data["results"]
                                     if not r["ok"]]}
                   for name, data in run["suites"].items()}}
    if problems is not None:
        body["gate"] = {"passed": not problems, "problems": [
            {"kind": p.kind, "suite": p.suite, "metric": p.metric, "message": p.message, "cases": list(p.cases)}
            for p in problems]}
    return json.dumps(body, ensure_ascii=False)


def _report(run: dict[str, Any], path: Path, problems: list[Any] | None, baselines_dir: Path | None = None) -> None:
    from evals.gate import BASELINES_DIR, load_baselines
    from evals.report import write_report

    _, baselines = load_baselines(baselines_dir or BASELINES_DIR)
    write_report(run, baselines, path, problems=problems)
    errors.print(f"report: {path}")


@eval_app.command("run")
def eval_run(
    suite: Annotated[list[str] | None, typer.Option("--suite", help="A suite to run (repeat for more): "
                                                    "understanding, blind, slots, conversations, safety. "
                                                    "Default: all, unless --dataset is given")] = None,
    dataset: Annotated[list[Path] | None, typer.Option("--dataset", help="Any dataset file in the documented "
                                                       "format (repeat for more)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: the metrics and the failed "
                                                         "cases")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report here")] = None,
    failures: Annotated[bool, typer.Option("--failures", help="List every failed case with its reasons")] = False,
    cassettes: Annotated[Path | None, typer.Option("--cassettes", help="Where recorded model calls are kept "
                                                                       "(default: evals/cassettes)")] = None,
) -> None:
    """Run eval suites (or any dataset) against the real pipeline on a throw-away database with the demo salon.

    Model calls (the L2 LLM router, L3) are replayed from evals/cassettes/; with an endpoint configured
    (OPENAI_API_KEY / OPENAI_BASE_URL, VLLM_BASE_URL) a missing one is recorded; with neither, that model counts as
    unavailable and the summary says how often. The run is saved under DATA_DIR/evals/runs/ for `cazo eval
    accept` and `cazo eval diff`.
    """
    from evals.gate import load_baselines
    from evals.present import print_failures, print_summary

    settings = _settings()
    selection = _selection(suite, dataset)
    run = _execute(selection, settings, quiet=as_json or not sys.stderr.isatty(), cassettes=cassettes)
    saved = _save(run, settings)
    if as_json:
        print(_summary_json(run, saved))
    else:
        _, baselines = load_baselines()
        print_summary(run, baselines, console)
        if failures:
            print_failures(run, console, limit=10_000)
        console.print(f"saved {saved} ({run['seconds']} s)")
    if report is not None:
        _report(run, report, None)


@eval_app.command("gate")
def eval_gate(
    run_file: Annotated[Path | None, typer.Option("--run", help="Judge this saved run instead of running every "
                                                                "suite now")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report here")] = None,
    baselines_dir: Annotated[Path | None, typer.Option("--baselines", help="The baselines folder (default: "
                                                                        "evals/baselines)")] = None,
    cassettes: Annotated[Path | None, typer.Option("--cassettes", help="Where recorded model calls are kept "
                                                                       "(default: evals/cassettes)")] = None,
) -> None:
    """Run every suite and compare with evals/baselines/: exit 1 when a gated metric is worse than its baseline
    by more than its tolerance, when safety violations are not 0, or when a file under prompts/ changed since the
    baseline was accepted. Each problem names the file or the metric and its cases, and what to do."""
    from evals.gate import BASELINES_DIR, Problem, compare, load_baselines, prompt_problems
    from evals.present import print_problems, print_summary
    from prompts.registry import prompt_hashes

    settings = _settings()
    accepted_prompts, baselines = load_baselines(baselines_dir or BASELINES_DIR)
    if run_file is not None:
        run = _load_run(str(run_file), settings)
        saved = None
    else:
        run = _execute(_selection(None, None), settings, quiet=as_json or not sys.stderr.isatty(),
                       cassettes=cassettes)
        saved = _save(run, settings)
    current = prompt_hashes()
    problems = prompt_problems(current, accepted_prompts)
    if run_file is not None and run.get("prompts") != current:
        problems.append(Problem("prompt", "the run was made with other prompt files than the tree has now: run the "
                                          "suites again"))
    problems += compare(run, baselines)
    if as_json:
        print(_summary_json(run, saved, problems))
    else:
        print_summary(run, baselines, console)
        if problems:
            print_problems(problems, console)
            console.print(f"[red]eval gate failed: {len(problems)} problem(s)[/red]")
        else:
            console.print("[green]eval gate passed[/green]: no gated metric worse than its baseline, prompts as "
                          "accepted")
    if report is not None:
        _report(run, report, problems, baselines_dir)
    if problems:
        raise typer.Exit(1)


@eval_app.command("accept")
def eval_accept(
    run_file: Annotated[Path | None, typer.Option("--run", help="The run to accept (default: the latest, "
                                                                "DATA_DIR/evals/runs/latest.json)")] = None,
    baselines_dir: Annotated[Path | None, typer.Option("--baselines", help="The baselines folder (default: "
                                                                        "evals/baselines)")] = None,
) -> None:
    """Record a run as the new baseline: evals/baselines/<suite>.json and the prompt hashes. Commit them (with
    evals/cassettes/ if it recorded any) for a reviewer to see what the change did."""
    from evals.cases import SUITES
    from evals.gate import BASELINES_DIR, accept
    from prompts.registry import prompt_hashes

    settings = _settings()
    run = _load_run(str(run_file) if run_file else "latest", settings)
    if run.get("prompts") != prompt_hashes():
        raise _fail("this run was made with other prompt files than the tree has now: run `cazo eval run` "
                    "again, then accept", 1)
    try:
        written = accept(run, baselines_dir or BASELINES_DIR, all_suites=tuple(s.name for s in SUITES))
    except ValueError as exc:
        raise _fail(str(exc), 1) from exc
    for path in written:
        console.print(f"wrote {path}")
    console.print("commit evals/baselines/ (and evals/cassettes/, if the run recorded any) with your change")


@eval_app.command("diff")
def eval_diff(
    a: Annotated[str, typer.Argument(help="A run file, or latest, or baseline")],
    b: Annotated[str, typer.Argument(help="A run file, or latest, or baseline")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    baselines_dir: Annotated[Path | None, typer.Option("--baselines", help="The baselines folder (default: "
                                                                        "evals/baselines)")] = None,
) -> None:
    """Which cases changed between two runs (fixed, broken, failing differently), and the metrics side by side."""
    from evals.gate import changed_cases
    from evals.present import print_diff

    settings = _settings()
    left, right = _load_run(a, settings, baselines_dir), _load_run(b, settings, baselines_dir)
    if not set(left["suites"]) & set(right["suites"]):
        raise _fail("the two runs have no suite in common", 2)
    if as_json:
        print(json.dumps({"a": left["run_id"], "b": right["run_id"], "suites": changed_cases(left, right)}))
    else:
        print_diff(left, right, console)


@eval_app.command("booking-effort")
def eval_booking_effort(
    dataset: Annotated[Path | None, typer.Option(help="Booking conversations, one JSON object per line (default: "
                                                      "evals/datasets/booking_conversations.jsonl)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """How many messages a customer sends to get a confirmed booking, case by case, and the median.

    Plays each case against the real conversation graph and the CPU router on a throw-away embedded PostgreSQL
    with the demo salon; after the scripted lines the customer taps Confirm, else the first time, day or service
    offered. Exits 1 when no case ends in a booking.
    """
    from cazo.eval_runs import booking_effort
    from evals.booking_effort import DATASET, load_cases

    _settings()
    path = dataset or DATASET
    try:
        cases = load_cases(path)
    except (OSError, ValueError) as exc:
        raise _fail(f"Cannot read {path}: {exc}", 2) from exc
    if not cases:
        raise _fail(f"{path} has no cases.", 2)
    report = asyncio.run(booking_effort(cases, path, as_json=as_json, output=sys.stdout))
    if not report["summary"]["booked"]:
        raise typer.Exit(1)
