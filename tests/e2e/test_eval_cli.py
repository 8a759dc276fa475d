"""`cazo eval booking-effort`: booking conversations played on a throw-away database, counted in messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.test_nlu_cli import environment_for


def effort(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cazo", "eval", "booking-effort", *args],
                          env=environment_for(data_dir), capture_output=True, text=True, timeout=600, cwd=data_dir)


def test_two_booking_conversations_are_counted_to_the_confirmed_booking(trained_router: Any, nlu_data_dir: Path,
                                                                        tmp_path: Path) -> None:
    dataset = tmp_path / "cases.jsonl"
    now = "2026-11-25T12:00:00+05:30"
    dataset.write_text("\n".join(json.dumps(case) for case in (
        {"id": "one-message", "now": now, "turns": [{"user": "kal shaam 6 baje eyebrow threading kar do"}]},
        {"id": "greeting-first", "now": now, "turns": [{"user": "namaste"}, {"user": "kal beard trim karwana hai"}]},
    )) + "\n", encoding="utf-8")
    result = effort("--dataset", str(dataset), "--json", data_dir=nlu_data_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by_id = {case["id"]: case for case in report["cases"]}
    assert by_id["one-message"]["booked"] and by_id["one-message"]["messages"] == 2  # the message, then Confirm
    greeting = by_id["greeting-first"]
    assert greeting["booked"] and greeting["messages"] == 4  # hello, the request, a time, Confirm
    assert greeting["transcript"][0] == "namaste -> greet/answered"
    assert report["summary"] == {"cases": 2, "booked": 2, "median_messages": 3.0, "mean_messages": 3.0,
                                 "max_messages": 4, "by_messages": {"2": 1, "4": 1}}


def test_a_dataset_that_is_not_json_lines_is_refused_with_the_line(nlu_data_dir: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "broken.jsonl"
    dataset.write_text('{"id": "ok", "turns": [{"user": "hi"}]}\nnot json\n', encoding="utf-8")
    result = effort("--dataset", str(dataset), data_dir=nlu_data_dir)
    assert result.returncode == 2 and "broken.jsonl:2" in result.stderr
