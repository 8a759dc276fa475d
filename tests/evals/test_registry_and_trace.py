"""The prompt registry (every file under prompts/ has a group, a version and a hash) and the tool-call trace."""

from __future__ import annotations

import shutil
from pathlib import Path

from prompts import registry
from prompts.registry import GROUPS, UNREGISTERED, group_hash, prompt_files, prompt_hashes
from tools.trace import note, traced, tracing


def test_every_file_under_prompts_belongs_to_a_versioned_group() -> None:
    files = prompt_files()
    assert {f.group for f in files if f.group == UNREGISTERED} == set(), [f.path for f in files
                                                                          if f.group == UNREGISTERED]
    named = {name for group in GROUPS for name in group.files}
    assert named == {f.path for f in files}, "a group names a file that does not exist"
    assert all(f.version and f.version != "-" for f in files)
    assert {"intents/exemplars.jsonl", "replies/hi.json", "router.py", "escalation.py"} <= {f.path for f in files}


def test_a_changed_exemplar_changes_its_hash_and_its_groups_hash(tmp_path: Path) -> None:
    copy = tmp_path / "prompts"
    shutil.copytree(registry.PROMPTS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before, group_before = prompt_hashes(copy), group_hash("exemplars", copy)
    with (copy / "intents" / "exemplars.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"text": "ek naya exemplar", "intent": "greet", "lang": "hinglish"}\n')
    after = prompt_hashes(copy)
    changed = [path for path in before if before[path] != after[path]]
    assert changed == ["prompts/intents/exemplars.jsonl"]
    assert group_hash("exemplars", copy) != group_before
    assert group_hash("router", copy) == group_hash("router", registry.PROMPTS_DIR)
    (copy / "intents" / "new.jsonl").write_text("{}\n", encoding="utf-8")
    assert "prompts/intents/new.jsonl" in prompt_hashes(copy)
    assert next(f for f in prompt_files(copy) if f.path == "intents/new.jsonl").group == UNREGISTERED


def test_tool_calls_are_kept_only_inside_a_trace() -> None:
    note("search_services", {"query": "outside"}, "ok")
    assert not tracing()
    with traced() as calls:
        assert tracing()
        note("check_availability", {"from_date": "2026-11-26"}, "ok")
        with traced() as inner:
            note("hold_slot", {}, "conflict")
        note("search_services", {}, "ok")
    assert [c.tool for c in calls] == ["check_availability", "search_services"]
    assert [(c.tool, c.outcome) for c in inner] == [("hold_slot", "conflict")]
    assert not tracing()
