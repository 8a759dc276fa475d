"""Sanity checks on the labelled evaluation datasets under evals/datasets/."""

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "evals" / "suites"
# name -> (least messages, least per intent, least with a date or time label)
SIZES = {"understanding.jsonl": (400, 10, 150), "blind.jsonl": (200, 6, 80)}

INTENTS = {
    "greet",
    "book",
    "availability",
    "reschedule",
    "cancel",
    "my_bookings",
    "catalog",
    "faq",
    "offers",
    "pay",
    "human",
    "complaint",
    "opt_out",
    "opt_in",
    "affirm",
    "deny",
    "thanks",
    "feedback",
    "out_of_scope",
}
LANGS = {"en", "hinglish", "hi"}
EXPECT_KEYS = {"intent", "date", "time", "services", "staff", "tier_max"}
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module", params=sorted(SIZES))
def dataset(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def cases(dataset: str) -> list[dict]:
    lines = (DATASETS / dataset).read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        assert line.strip(), f"blank line {n}"
        obj = json.loads(line)
        assert isinstance(obj, dict), f"line {n} is not an object"
        out.append(obj)
    return out


def test_size(cases, dataset):
    assert len(cases) >= SIZES[dataset][0]


def test_ids_unique(cases):
    ids = [c["id"] for c in cases]
    assert all(isinstance(i, str) and i for i in ids)
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes


def test_fields(cases):
    for c in cases:
        assert isinstance(c["text"], str) and c["text"].strip(), c["id"]
        assert c["lang"] in LANGS, c["id"]
        if "now" in c:
            now = dt.datetime.fromisoformat(c["now"])
            assert now.tzinfo is not None, c["id"]
        exp = c["expect"]
        assert set(exp) <= EXPECT_KEYS, (c["id"], set(exp) - EXPECT_KEYS)
        if "services" in exp:
            assert isinstance(exp["services"], list) and exp["services"], c["id"]
            assert all(isinstance(s, str) and s == s.lower() for s in exp["services"]), c["id"]
        if "staff" in exp:
            assert isinstance(exp["staff"], str) and exp["staff"], c["id"]


def test_intents(cases, dataset):
    counts = Counter(c["expect"]["intent"] for c in cases)
    unknown = set(counts) - INTENTS
    assert not unknown, unknown
    thin = {i: counts.get(i, 0) for i in INTENTS if counts.get(i, 0) < SIZES[dataset][1]}
    assert not thin, thin


def test_language_mix(cases):
    indic = sum(1 for c in cases if c["lang"] in {"hinglish", "hi"})
    assert indic * 3 >= len(cases), (indic, len(cases))


def test_dates_and_times_valid(cases):
    for c in cases:
        exp = c["expect"]
        if "date" in exp:
            assert DATE_RE.match(exp["date"]), c["id"]
            dt.date.fromisoformat(exp["date"])
        if "time" in exp:
            assert TIME_RE.match(exp["time"]), c["id"]


def test_enough_slot_cases(cases, dataset):
    n = sum(1 for c in cases if "date" in c["expect"] or "time" in c["expect"])
    assert n >= SIZES[dataset][2], n


def test_the_two_sets_share_no_message_of_three_words_or_more():
    def texts(name: str) -> set[str]:
        rows = (DATASETS / name).read_text(encoding="utf-8").splitlines()
        folded = (" ".join(json.loads(line)["text"].lower().split()) for line in rows if line.strip())
        return {text for text in folded if len(text.split()) >= 3}

    assert texts("understanding.jsonl") & texts("blind.jsonl") == set()
