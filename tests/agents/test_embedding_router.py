"""The embedding router (L2 on a CPU): trained on the exemplars, right on messages it never saw, and calibrated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.intents import Intent
from agents.routers.base import RouterContext
from agents.routers.embedding import EmbeddingRouter, prepare
from prompts.exemplars import ROUTER_WEIGHTS, Exemplar, load_exemplars

DATASETS = Path(__file__).parents[2] / "evals" / "suites"


SMALL = tuple(
    Exemplar(text, intent, "en")
    for intent, texts in {
        "book": ["book a haircut", "i want a facial tomorrow", "appointment chahiye kal", "book me in at 5",
                 "need a slot for a beard trim", "can i get a manicure booked"],
        "cancel": ["cancel my booking", "please cancel it", "booking cancel kar do", "I can't come, cancel",
                   "cancel tomorrow's slot", "drop my appointment"],
        "thanks": ["thank you", "thanks a lot", "shukriya", "many thanks", "thx", "dhanyavaad"],
    }.items()
    for text in texts
)


def held_out(name: str = "understanding.jsonl") -> tuple[list[str], list[str]]:
    path = DATASETS / name
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [r["expect"]["intent"] for r in rows]


@pytest.mark.parametrize("name", ["understanding.jsonl", "blind.jsonl"])
def test_the_held_out_sets_share_no_message_of_three_words_or_more_with_the_exemplars(name: str) -> None:
    """Short messages ("yes", "thank you", "STOP") are bound to repeat; anything longer must not, or the held-out
    accuracy would be measured on training data."""
    exemplars = {prepare(e.text) for e in load_exemplars()}
    texts, _ = held_out(name)
    assert [t for t in texts if prepare(t) in exemplars and len(prepare(t).split()) >= 3] == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you book me a hair spa on sunday morning", Intent.book),
        ("parso 4 baje beard trim karwana hai", Intent.book),
        ("मुझे कल फेशियल करवाना है", Intent.book),
        ("please cancel tomorrow's appointment", Intent.cancel),
        ("how much do you charge for keratin", Intent.catalog),
        ("mujhe kisi insaan se baat karni hai", Intent.human),
        ("who is the prime minister of japan", Intent.out_of_scope),
    ],
)
async def test_clear_messages_in_three_languages_get_their_intent(trained_router: Any, text: str,
                                                                  intent: Intent) -> None:
    found = await trained_router.classify(text, RouterContext())
    assert found.intent == intent
    assert 0.0 <= found.confidence <= 1.0
    assert found.alternatives and all(c <= found.confidence for _, c in found.alternatives)


def test_on_the_held_out_set_it_is_accurate_and_its_confidence_is_calibrated(trained_router: Any) -> None:
    texts, truth = held_out()
    report = trained_router.calibration_report(texts, truth, threshold=0.85)
    assert report.count == len(texts) >= 400
    assert report.accuracy >= 0.90
    # Calibrated: the confidence it states is, on average, the accuracy it has (within 5 points).
    assert report.expected_calibration_error <= 0.05
    # What it claims at 0.85 or more is right at least 85% of the time.
    assert report.above_threshold >= 0.75 * len(texts)
    assert report.accuracy_above_threshold >= 0.85


def test_the_shipped_weights_were_trained_from_the_current_exemplars(embedder: Any) -> None:
    """Fails after an exemplar edit until `make router` retrains and the new weights are committed."""
    router = EmbeddingRouter(embedder, load_exemplars())
    with np.load(ROUTER_WEIGHTS, allow_pickle=False) as data:  # plain arrays: loading never runs code
        assert {"key", "coef", "intercept", "intents", "grams", "idf", "temperature"} <= set(data.files)
        assert str(data["key"]) == router.key()


def test_the_shipped_weights_load_without_training_and_answer_like_the_trained_router(
        trained_router: Any, embedder: Any, tmp_path: Path) -> None:
    again = EmbeddingRouter(embedder, load_exemplars(), cache_dir=tmp_path, shipped=ROUTER_WEIGHTS)
    assert again.warm().cache_hit is True
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing cached
    sample = ["kal 5 baje haircut", "refund kab milega", "नमस्ते"]
    assert np.allclose(trained_router.probabilities(sample)[1], again.probabilities(sample)[1])


def test_weights_trained_from_other_exemplars_are_not_used(embedder: Any, tmp_path: Path) -> None:
    router = EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path, shipped=ROUTER_WEIGHTS)
    assert router.warm().cache_hit is False  # trained on SMALL, not the shipped full set
    assert set(router.probabilities(["thanks"])[0]) == {Intent.book, Intent.cancel, Intent.thanks}


def test_changing_an_exemplar_retrains_instead_of_using_a_stale_cache(embedder: Any, tmp_path: Path) -> None:
    first = EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path).warm()
    assert first.cache_hit is False
    changed = (*SMALL[:-1], Exemplar("bahut dhanyavaad", "thanks", "hinglish"))
    assert EmbeddingRouter(embedder, changed, cache_dir=tmp_path).warm().cache_hit is False
    assert EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path).warm().cache_hit is True


def test_a_torn_cache_file_is_retrained_and_replaced(embedder: Any, tmp_path: Path) -> None:
    EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path).warm()
    [cached] = tmp_path.glob("router-*.npz")
    cached.write_bytes(cached.read_bytes()[:100])
    router = EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path)
    assert router.warm().cache_hit is False
    assert router.classify_now("cancel it please").intent == Intent.cancel
    assert EmbeddingRouter(embedder, SMALL, cache_dir=tmp_path).warm().cache_hit is True


def test_without_exemplars_the_router_refuses_to_train(embedder: Any) -> None:
    with pytest.raises(ValueError, match="needs exemplars"):
        EmbeddingRouter(embedder, ()).warm()
