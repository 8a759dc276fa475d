"""`cazo eval run`, `accept`, `gate` and `diff` as a developer uses them, on small datasets.

One run records L3's answers from a local fake OpenAI-compatible server; a second run, with no endpoint at all,
replays them and gets the same results. That run is accepted as the baseline; the gate passes on it, fails when a
case regresses (naming the metric and the case) and fails when a prompt file changed since the baseline was
accepted (naming the file and what to do).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_nlu_cli import environment_for
from tests.serving.fake_openai import FakeOpenAI, Reply, router_reply

NOW = "2026-11-25T12:00:00+05:30"
MESSAGES = [
    {"id": "m-1", "text": "kal saade 6 baje beard trim", "now": NOW, "lang": "hinglish",
     "expect": {"intent": "book", "date": "2026-11-26", "time": "18:30", "services": ["beard trim"]}},
    {"id": "m-2", "text": "thank you so much", "expect": {"intent": "thanks", "date": None, "tier_max": "L2"}},
    # the CPU router is unsure of this one (about 0.4), so it goes to L3: recorded, then replayed
    {"id": "m-3", "text": "How busy are you on Saturday evening? need a head massage", "now": NOW,
     "expect": {"intent": "availability", "services": ["head massage"]}},
]
CONVERSATIONS = [
    {"id": "c-1", "now": NOW, "turns": [
        {"user": "kal shaam 6 baje eyebrow threading", "expect": {"intent": "book", "buttons": ["confirm:yes"],
                                                                 "tools": ["hold_slot"], "reply_contains": ["₹"]}},
        {"tap": "confirm:yes", "expect": {"outcome": "booked", "tools": ["confirm_booking"]}}],
     "final": {"bookings": [{"service": "threading", "date": "2026-11-26", "time": "18:00", "status": "confirmed"}]}},
    {"id": "c-2", "now": NOW, "turns": [
        {"user": "I want to speak to the manager", "expect": {"handoff": True}},
        {"user": "hello??", "expect": {"silent": True}}], "final": {"handoff_open": True, "bookings": []}},
    {"id": "c-3", "now": NOW, "turns": [  # stopped half-way: one follow-up, through the real outbox rules
        {"user": "I'd like a pedicure tomorrow", "expect": {"buttons": ["slot:"]}},
        {"wait": "10m", "expect": {"silent": True}},
        {"wait": "30m", "expect": {"reply_contains": ["booking"], "buttons": ["intent:book"]}}],
     "final": {"bookings": [], "turns_recorded": True}},
]


def cazo_eval(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cazo", "eval", *args], env=environment_for(data_dir, **env),
                          capture_output=True, text=True, timeout=600, cwd=data_dir)


@pytest.fixture(scope="module")
def runs(trained_router: Any, nlu_data_dir: Path, server: FakeOpenAI,
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two runs of the same datasets: recording from the fake server, then replaying with no endpoint."""
    folder = tmp_path_factory.mktemp("evals")
    (folder / "messages.jsonl").write_text("".join(json.dumps(c) + "\n" for c in MESSAGES), encoding="utf-8")
    (folder / "chats.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CONVERSATIONS), encoding="utf-8")
    server.reset()
    server.handler = lambda body: (Reply(content="A person from the salon will reply shortly.")
                                   if "tools" in body else router_reply("availability"))
    common = ("--dataset", str(folder / "messages.jsonl"), "--dataset", str(folder / "chats.jsonl"), "--json",
              "--cassettes", str(folder / "cassettes"))
    recorded = cazo_eval("run", *common, "--report", str(folder / "report.html"), data_dir=nlu_data_dir,
                         OPENAI_API_KEY="test-key", OPENAI_BASE_URL=server.base_url)
    assert recorded.returncode == 0, recorded.stderr
    sent = len(server.requests)
    replayed = cazo_eval("run", *common, data_dir=nlu_data_dir)
    assert replayed.returncode == 0, replayed.stderr
    result = {"folder": folder, "recorded": json.loads(recorded.stdout), "replayed": json.loads(replayed.stdout),
              "sent": sent, "sent_after_replay": len(server.requests)}
    server.reset()
    return result


def test_a_run_prints_metrics_and_failed_cases_as_one_json_object(runs: dict[str, Any]) -> None:
    report = runs["replayed"]
    messages, chats = report["suites"]["dataset:messages"], report["suites"]["dataset:chats"]
    assert messages["metrics"]["cases"] == 3 and messages["metrics"]["slots"]["time"]["total"] == 1
    assert set(messages["metrics"]) >= {"intent_accuracy", "macro_f1", "confusion", "tier_mix", "latency_ms"}
    assert chats["metrics"]["cases"] == 3 and chats["metrics"]["handoff"]["tp"] == 1
    assert chats["failed"] == []
    assert chats["metrics"]["turns"] == 5  # the two waits are not the customer's turns
    assert all(f["failures"] for f in messages["failed"] + chats["failed"])
    assert Path(report["saved_to"]).exists()
    assert set(report["prompt_versions"]) >= {"router", "escalation", "exemplars", "replies"}


def test_model_calls_are_recorded_once_and_replayed_offline_with_the_same_results(runs: dict[str, Any]) -> None:
    recorded, replayed = runs["recorded"], runs["replayed"]
    made = sum(c["recorded"] for c in recorded["cassettes"].values())
    assert made > 0 and runs["sent"] == made  # every request the fake server saw was recorded
    assert runs["sent_after_replay"] == runs["sent"]  # the replay sent nothing
    assert sum(c["hits"] for c in replayed["cassettes"].values()) == made
    assert sum(c["missing"] for c in replayed["cassettes"].values()) == 0
    assert recorded["models"]["l3"]["served"].startswith("recording from http://127.0.0.1")
    assert replayed["models"]["l3"]["served"] == "cassettes only"
    for suite in ("dataset:messages", "dataset:chats"):
        assert recorded["suites"][suite]["failed"] == replayed["suites"][suite]["failed"]
    assert list((runs["folder"] / "cassettes").glob("router--gpt-4o.jsonl"))
    m3 = [r for r in replayed["suites"]["dataset:messages"]["failed"] if r["id"] == "m-3"]
    assert m3 == [], m3  # settled by the replayed L3 answer


def test_the_html_report_has_the_summary_the_confusion_picture_and_the_cases(runs: dict[str, Any]) -> None:
    page = (runs["folder"] / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<svg" in page and "dataset:chats" in page
    assert "intent accuracy" in page and "kal shaam 6 baje eyebrow threading" in page


def test_accept_then_gate_passes_and_a_regression_fails_naming_the_metric_and_the_case(
        runs: dict[str, Any], nlu_data_dir: Path) -> None:
    folder: Path = runs["folder"]
    baselines = folder / "baselines"
    latest = Path(runs["replayed"]["saved_to"])
    accepted = cazo_eval("accept", "--run", str(latest), "--baselines", str(baselines), data_dir=nlu_data_dir)
    assert accepted.returncode == 0, accepted.stderr
    assert (baselines / "prompts.json").exists() and (baselines / "dataset-messages.json").exists()
    passed = cazo_eval("gate", "--run", str(latest), "--baselines", str(baselines), data_dir=nlu_data_dir)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "eval gate passed" in passed.stdout

    run = json.loads(latest.read_text(encoding="utf-8"))
    suite = run["suites"]["dataset:messages"]
    case = next(r for r in suite["results"] if r["id"] == "m-1")
    assert case["ok"], "the saade case must pass for this test to break it"
    case.update(ok=False, failures=["time: expected 18:30, got 18:00"])
    suite["metrics"]["slots"]["time"].update(right=0, rate=0.0)
    worse = folder / "worse.json"
    worse.write_text(json.dumps(run), encoding="utf-8")
    failed = cazo_eval("gate", "--run", str(worse), "--baselines", str(baselines), "--json", data_dir=nlu_data_dir)
    assert failed.returncode == 1
    problems = json.loads(failed.stdout)["gate"]["problems"]
    assert [(p["suite"], p["metric"], p["cases"]) for p in problems] == [
        ("dataset:messages", "slots.time.rate", ["m-1"])]

    diff = cazo_eval("diff", str(latest), str(worse), "--json", data_dir=nlu_data_dir)
    assert diff.returncode == 0, diff.stderr
    assert json.loads(diff.stdout)["suites"]["dataset:messages"]["broken"] == ["m-1"]


def test_a_prompt_file_changed_since_the_baseline_fails_the_gate_naming_it(runs: dict[str, Any],
                                                                           nlu_data_dir: Path) -> None:
    folder: Path = runs["folder"]
    latest = Path(runs["replayed"]["saved_to"])
    baselines = folder / "baselines-old-prompts"
    assert cazo_eval("accept", "--run", str(latest), "--baselines", str(baselines),
                     data_dir=nlu_data_dir).returncode == 0
    prompts = json.loads((baselines / "prompts.json").read_text(encoding="utf-8"))
    prompts["files"]["prompts/intents/exemplars.jsonl"] = "0" * 64  # as if accepted before an exemplar changed
    (baselines / "prompts.json").write_text(json.dumps(prompts), encoding="utf-8")
    failed = cazo_eval("gate", "--run", str(latest), "--baselines", str(baselines), data_dir=nlu_data_dir)
    assert failed.returncode == 1
    assert "prompts/intents/exemplars.jsonl changed since the baseline was accepted" in failed.stdout
    assert "cazo eval accept" in failed.stdout


def test_a_malformed_dataset_is_refused_before_anything_runs(nlu_data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "text": "hi", "expect": {"intnet": "greet"}}\n', encoding="utf-8")
    result = cazo_eval("run", "--dataset", str(broken), data_dir=nlu_data_dir)
    assert result.returncode == 2 and "broken.jsonl:1" in result.stderr and "intnet" in result.stderr
    unknown = cazo_eval("run", "--suite", "nope", data_dir=nlu_data_dir)
    assert unknown.returncode == 2 and "no suite 'nope'" in unknown.stderr
