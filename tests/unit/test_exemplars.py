"""Checks on the hand-written intent exemplars that train the L2 embedding router (prompts/intents/*.jsonl).

Every file is checked on its own (format, labels, languages, scripts, a floor per intent) and all files together
(no line twice anywhere, and the larger floor per intent that the router needs).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from agents.intents import Intent
from prompts.exemplars import EXEMPLARS_DIR, load_exemplars

FILES = tuple(sorted(EXEMPLARS_DIR.glob("*.jsonl")))
KEYS = {"text", "intent", "lang"}
LANGS = {"en", "hinglish", "hi"}
MIN_PER_INTENT = 40  # all files together
MIN_PER_INTENT_IN_A_FILE = 15
MIN_NON_ENGLISH_SHARE = 0.40
MIN_HINDI_SHARE_PER_INTENT = 0.15  # of one intent's lines in one file
DEVANAGARI = re.compile(r"[\u0900-\u097F]")

by_file = pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])


@cache
def _rows(path: Path) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name} line {number} is not JSON: {exc}")
    return tuple(rows)


def _all_rows() -> tuple[dict[str, Any], ...]:
    return tuple(row for path in FILES for row in _rows(path))


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_the_files_are_found_and_the_loader_reads_every_line_of_them() -> None:
    assert "exemplars.jsonl" in {path.name for path in FILES}
    assert len(load_exemplars()) == len(_all_rows())


@by_file
def test_every_line_is_an_object_with_exactly_text_intent_and_lang(path: Path) -> None:
    bad = [row for row in _rows(path) if not isinstance(row, dict) or set(row) != KEYS]
    assert not bad, bad[:5]
    assert all(isinstance(row["text"], str) and row["text"].strip() for row in _rows(path))


@by_file
def test_every_intent_is_one_the_router_knows(path: Path) -> None:
    known = {intent.value for intent in Intent}
    unknown = {row["intent"] for row in _rows(path)} - known
    assert not unknown


@by_file
def test_every_language_is_en_hinglish_or_hi(path: Path) -> None:
    assert {row["lang"] for row in _rows(path)} <= LANGS


def test_no_text_appears_twice_in_any_file_or_across_files_ignoring_case_and_spacing() -> None:
    where: dict[str, list[str]] = {}
    for path in FILES:
        for row in _rows(path):
            where.setdefault(_normalised(row["text"]), []).append(path.name)
    assert {text: files for text, files in where.items() if len(files) > 1} == {}


@pytest.mark.parametrize("intent", [intent.value for intent in Intent])
def test_every_intent_has_enough_lines_in_all_three_languages_across_the_files(intent: str) -> None:
    langs = Counter(row["lang"] for row in _all_rows() if row["intent"] == intent)
    assert sum(langs.values()) >= MIN_PER_INTENT
    assert set(langs) == LANGS


@by_file
def test_every_file_has_every_intent_in_all_three_languages_and_enough_devanagari(path: Path) -> None:
    short, missing_langs, little_hindi = [], [], []
    for intent in Intent:
        langs = Counter(row["lang"] for row in _rows(path) if row["intent"] == intent.value)
        total = sum(langs.values())
        if total < MIN_PER_INTENT_IN_A_FILE:
            short.append((intent.value, total))
        if set(langs) != LANGS:
            missing_langs.append(intent.value)
        if total and langs["hi"] / total < MIN_HINDI_SHARE_PER_INTENT:
            little_hindi.append((intent.value, langs["hi"], total))
    assert (short, missing_langs, little_hindi) == ([], [], [])


def test_at_least_two_fifths_of_all_lines_are_hinglish_or_hindi() -> None:
    langs = Counter(row["lang"] for row in _all_rows())
    assert (langs["hinglish"] + langs["hi"]) / sum(langs.values()) >= MIN_NON_ENGLISH_SHARE


@by_file
def test_at_least_two_fifths_of_each_files_lines_are_hinglish_or_hindi(path: Path) -> None:
    langs = Counter(row["lang"] for row in _rows(path))
    assert (langs["hinglish"] + langs["hi"]) / sum(langs.values()) >= MIN_NON_ENGLISH_SHARE


@by_file
def test_hindi_lines_are_written_in_devanagari_and_the_others_are_not(path: Path) -> None:
    wrong = [row["text"] for row in _rows(path) if (row["lang"] == "hi") != bool(DEVANAGARI.search(row["text"]))]
    assert wrong == []
