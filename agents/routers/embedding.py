"""L2 on a CPU: an intent classifier over MiniLM sentence embeddings and character n-grams, with calibrated scores.

How it works:

- Every message (and every exemplar) is normalised and romanised (``agents.normalise``), so "कल", "kal" and "kl"
  look alike. Two views of that text feed one multinomial logistic regression: the 384-dimensional MiniLM embedding
  (meaning, for English and much Hinglish), and TF-IDF over character n-grams within words (spelling: it learns
  Hinglish and Devanagari words that MiniLM's English vocabulary splits into noise).
- It is trained on the exemplars under ``prompts/intents``. The weights ship with the code
  (``prompts/intents/router-weights.npz``, written by ``make router``) as plain arrays, no pickle, stamped with a key
  of the embedding package, the exemplars as prepared, and the training settings. A router whose key differs from
  the shipped file's (someone edited an exemplar) trains once at first use (a minute or so on two cores) and keeps
  the result in its cache folder under the same kind of key.
- Confidence is calibrated by temperature scaling: the scores the model gives each exemplar when it was *left out*
  of training (k-fold) are fitted to the truth, so that "0.85" means right about 85% of the time on unseen messages.
  ``calibration_report`` measures that on any labelled set.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agents.intents import Intent
from agents.normalise import normalise, romanise
from agents.routers.base import Classification, RouterContext
from prompts.exemplars import Exemplar, exemplars_digest
from serving.embeddings import Embedder

log = logging.getLogger(__name__)

# Weight of the embedding block against the n-gram block (both rows have unit length before weighting).
EMBEDDING_WEIGHT = 1.0
NGRAM_WEIGHT = 1.0
REGULARISATION_C = 8.0
FOLDS = 5
MODEL_FORMAT = 2  # bump when _Model.save changes shape


def prepare(text: str) -> str:
    """The form a router sees: normalised, known Devanagari words romanised, emoji kept as a word hint."""
    norm = normalise(text)
    prepared = romanise(norm.text)
    if norm.emoji_intent and not prepared:
        prepared = {"affirm": "ok yes", "deny": "no", "thanks": "thanks", "complaint": "angry"}[norm.emoji_intent]
    return prepared or norm.text


@dataclass(frozen=True, slots=True)
class FitReport:
    exemplars: int
    cross_validated_accuracy: float
    temperature: float
    encode_seconds: float
    fit_seconds: float
    cache_hit: bool  # the trained model came from the cache (no training in this process)
    embeddings_cached: bool = False  # training reused cached exemplar embeddings


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    count: int
    accuracy: float
    expected_calibration_error: float
    bins: tuple[CalibrationBin, ...]
    above_threshold: int = 0
    accuracy_above_threshold: float = 0.0


class CharNgrams:
    """TF-IDF over the character n-grams (2 to 4) of each word padded with spaces, rows of unit length.

    Written out (rather than scikit-learn's vectoriser) so a trained router can be saved as plain arrays and loaded
    without pickle: the vocabulary and the idf weights are all there is.
    """

    def __init__(self, vocabulary: dict[str, int] | None = None, idf: NDArray[np.float64] | None = None,
                 sizes: tuple[int, ...] = (2, 3, 4)) -> None:
        self.vocabulary = vocabulary or {}
        self.idf = idf if idf is not None else np.zeros(0)
        self.sizes = sizes

    def grams(self, text: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for word in text.split():
            padded = f" {word} "
            for size in self.sizes:
                for start in range(max(len(padded) - size + 1, 1)):
                    gram = padded[start:start + size]
                    counts[gram] = counts.get(gram, 0) + 1
        return counts

    def fit(self, texts: Sequence[str]) -> CharNgrams:
        document_frequency: dict[str, int] = {}
        for text in texts:
            for gram in self.grams(text):
                document_frequency[gram] = document_frequency.get(gram, 0) + 1
        self.vocabulary = {gram: index for index, gram in enumerate(sorted(document_frequency))}
        frequencies = np.array([document_frequency[g] for g in sorted(document_frequency)], dtype=np.float64)
        self.idf = np.log((1 + len(texts)) / (1 + frequencies)) + 1.0
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        data: list[float] = []
        columns: list[int] = []
        pointers = [0]
        for text in texts:
            row = {self.vocabulary[g]: (1.0 + np.log(c)) * self.idf[self.vocabulary[g]]
                   for g, c in self.grams(text).items() if g in self.vocabulary}
            norm = float(np.sqrt(sum(v * v for v in row.values()))) or 1.0
            for column in sorted(row):
                columns.append(column)
                data.append(row[column] / norm)
            pointers.append(len(columns))
        return csr_matrix((np.array(data, dtype=np.float64), np.array(columns, dtype=np.int64), np.array(pointers)),
                          shape=(len(texts), len(self.vocabulary)))


@dataclass
class _Model:
    intents: tuple[Intent, ...]
    vectoriser: CharNgrams
    coef: NDArray[np.float64]  # (intents, features)
    intercept: NDArray[np.float64]
    temperature: float
    report: FitReport

    def logits(self, dense: NDArray[np.float32], texts: Sequence[str]) -> NDArray[np.float64]:
        features = _features(dense, self.vectoriser.transform(texts))
        return np.asarray(features @ self.coef.T + self.intercept)

    def save(self, path: Path, key: str) -> None:
        """Plain arrays in one .npz (no pickle), written to a temporary name and renamed into place. ``key`` names
        what it was trained from (model package, exemplars, settings); ``load`` refuses a file with another key."""
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as handle:
            np.savez_compressed(handle, key=np.array(key), coef=self.coef.astype(np.float32),
                     intercept=self.intercept,
                     intents=np.array([i.value for i in self.intents]), temperature=np.array(self.temperature),
                     grams=np.array(sorted(self.vectoriser.vocabulary, key=self.vectoriser.vocabulary.__getitem__)),
                     idf=self.vectoriser.idf.astype(np.float32),
                     report=np.array([self.report.exemplars, self.report.cross_validated_accuracy,
                                      self.report.encode_seconds, self.report.fit_seconds]))
        partial.replace(path)

    @classmethod
    def load(cls, path: Path, key: str) -> _Model:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                raise ValueError(f"trained for {str(data['key'])!r}, not {key!r}")
            grams = [str(g) for g in data["grams"]]
            exemplars, cv_accuracy, encode_seconds, fit_seconds = (float(v) for v in data["report"])
            temperature = float(data["temperature"])
            return cls(tuple(Intent(str(i)) for i in data["intents"]),
                       CharNgrams({g: n for n, g in enumerate(grams)}, data["idf"].astype(np.float64)),
                       data["coef"].astype(np.float64), data["intercept"].astype(np.float64), temperature,
                       FitReport(int(exemplars), cv_accuracy, temperature, encode_seconds, fit_seconds, True))


@dataclass
class EmbeddingRouter:
    """Classifies one message into an intent with a calibrated probability. Trains lazily, once, thread-safely."""

    embedder: Embedder
    exemplars: Sequence[Exemplar]
    cache_dir: Path | None = None
    shipped: Path | None = None  # weights trained ahead and shipped with the code (used when their key matches)
    name: str = "embedding"
    _model: _Model | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding-router"),
        init=False, repr=False)

    # ---- training ------------------------------------------------------------------------------------------------

    def warm(self) -> FitReport:
        """Load the embedding model, train (or load the trained weights) and run one message through, now rather
        than on the first customer's message. Returns what the training measured."""
        report = self._fitted().report
        self.classify_now("warm up")
        return report

    def _fitted(self) -> _Model:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load_or_fit()
        return self._model

    def key(self) -> str:
        """What a trained model depends on: the embedding package, the exemplars as prepared, the settings."""
        settings = f"w{EMBEDDING_WEIGHT}-{NGRAM_WEIGHT}-c{REGULARISATION_C}-k{FOLDS}-v{MODEL_FORMAT}"
        return f"{self.embedder.package}-{self._digest()}-{settings}"

    def _digest(self) -> str:
        """The exemplars as the model sees them (after ``prepare``), so a change to either retrains."""
        return exemplars_digest(tuple(Exemplar(prepare(row.text), row.intent, row.lang) for row in self.exemplars))

    def _load_or_fit(self) -> _Model:
        """Trained weights from the cache, else the shipped ones, when trained from exactly these exemplars and
        settings; otherwise train now (and cache the result)."""
        key = self.key()
        cached = self.cache_dir / f"router-{key}.npz" if self.cache_dir else None
        for path in (cached, self.shipped):
            if path is not None and path.exists():
                try:
                    return _Model.load(path, key)
                except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # stale, torn, foreign
                    log.warning("router weights %s not usable (%s)", path, exc)
        log.warning("training the embedding router on %d exemplars (once; the result is cached)",
                    len(self.exemplars))
        model = self._fit()
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                model.save(cached, key)
            except OSError as exc:
                log.warning("could not write router cache %s: %s", cached, exc)
        return model

    def train_and_save(self, path: Path) -> FitReport:
        """Train from scratch and write the weights to ``path`` (what ``make router`` ships)."""
        model = self._fit()
        model.save(path, self.key())
        self._model = model
        return model.report

    def _exemplar_vectors(self, texts: list[str]) -> tuple[NDArray[np.float32], bool]:
        key = f"embeddings-{self.embedder.package}-{self._digest()}.npy"
        path = self.cache_dir / key if self.cache_dir else None
        if path is not None and path.exists():
            try:
                cached = np.load(path, allow_pickle=False)
                if cached.shape[0] == len(texts):
                    return cached.astype(np.float32), True
            except (OSError, ValueError) as exc:  # a torn or foreign file: encode again and overwrite it
                log.warning("exemplar embedding cache %s unreadable (%s); re-encoding", path, exc)
        vectors = self.embedder.encode(texts)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".tmp.npy")
                np.save(partial, vectors, allow_pickle=False)
                partial.replace(path)  # atomic: a crash never leaves a half-written cache behind
            except OSError as exc:
                log.warning("could not write exemplar embedding cache %s: %s", path, exc)
        return vectors, False

    def _fit(self) -> _Model:
        from scipy.optimize import minimize_scalar
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        if not self.exemplars:
            raise ValueError("the embedding router needs exemplars to train on")
        texts = [prepare(row.text) for row in self.exemplars]
        labels = np.array([Intent(row.intent).value for row in self.exemplars])
        started = time.perf_counter()
        dense, embeddings_cached = self._exemplar_vectors(texts)
        encode_seconds = time.perf_counter() - started

        started = time.perf_counter()

        def features(vectoriser: Any, rows: list[int]) -> Any:
            return _features(dense[rows], vectoriser.transform([texts[i] for i in rows]))

        def make_vectoriser() -> CharNgrams:
            return CharNgrams()

        def make_classifier() -> Any:
            return LogisticRegression(C=REGULARISATION_C, max_iter=1000, tol=1e-3)

        # Out-of-fold logits: what the model says about exemplars it has not seen, for calibration.
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=7)
        oof_logits = np.zeros((len(texts), len(set(labels.tolist()))))
        classes: NDArray[Any] | None = None
        for train, test in folds.split(texts, labels):
            vectoriser = make_vectoriser().fit([texts[i] for i in train])
            classifier = make_classifier().fit(features(vectoriser, list(train)), labels[train])
            classes = classifier.classes_
            oof_logits[test] = classifier.decision_function(features(vectoriser, list(test)))
        assert classes is not None
        truth = np.searchsorted(classes, labels)
        cv_accuracy = float(np.mean(oof_logits.argmax(axis=1) == truth))

        def nll(temperature: float) -> float:
            return float(-np.mean(_log_softmax(oof_logits / temperature)[np.arange(len(truth)), truth]))

        temperature = float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)

        vectoriser = make_vectoriser().fit(texts)
        classifier = make_classifier().fit(features(vectoriser, list(range(len(texts)))), labels)
        fit_seconds = time.perf_counter() - started
        report = FitReport(exemplars=len(texts), cross_validated_accuracy=cv_accuracy, temperature=temperature,
                           encode_seconds=encode_seconds, fit_seconds=fit_seconds, cache_hit=False,
                           embeddings_cached=embeddings_cached)
        log.info("embedding router trained", extra={"exemplars": len(texts), "cv_accuracy": round(cv_accuracy, 4),
                                                    "temperature": round(temperature, 3)})
        return _Model(tuple(Intent(c) for c in classifier.classes_), vectoriser,
                      np.asarray(classifier.coef_, dtype=np.float64),
                      np.asarray(classifier.intercept_, dtype=np.float64), temperature, report)

    # ---- prediction ----------------------------------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str]) -> tuple[tuple[Intent, ...], NDArray[np.float64]]:
        """Calibrated probabilities for each text over ``intents`` (the first element)."""
        model = self._fitted()
        prepared = [prepare(text) for text in texts]
        logits = model.logits(self.embedder.encode(prepared), prepared)
        return model.intents, np.exp(_log_softmax(np.atleast_2d(logits) / model.temperature))

    def classify_now(self, text: str) -> Classification:
        intents, probabilities = self.probabilities([text])
        row = probabilities[0]
        order = np.argsort(-row)
        return Classification(intent=intents[order[0]], confidence=float(row[order[0]]),
                              alternatives=tuple((intents[i], float(row[i])) for i in order[1:4]),
                              model=f"{self.embedder.package}+char-ngrams")

    async def start(self) -> FitReport:
        """``warm`` on the router's own worker thread (see ``classify``)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, self.warm)

    async def classify(self, text: str, context: RouterContext) -> Classification:
        """The router protocol. The encoding is CPU work of 10-20 ms, run off the event loop on one dedicated
        thread: torch keeps a pool of spinning worker threads per calling thread, so calls hopping between
        threads would make pools fight over the cores (measured: twice the latency on two cores)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, self.classify_now, text)

    def calibration_report(self, texts: Sequence[str], truth: Sequence[str], *, threshold: float = 0.85,
                           bins: int = 10) -> CalibrationReport:
        """Accuracy, expected calibration error and a reliability table on labelled messages the router never saw."""
        intents, probabilities = self.probabilities(texts)
        predicted = [intents[i].value for i in probabilities.argmax(axis=1)]
        confidence = probabilities.max(axis=1)
        right = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
        table: list[CalibrationBin] = []
        ece = 0.0
        for b in range(bins):
            low, high = b / bins, (b + 1) / bins
            mask = (confidence >= low) & ((confidence < high) if b < bins - 1 else (confidence <= high))
            if mask.any():
                mean_conf, acc = float(confidence[mask].mean()), float(right[mask].mean())
                ece += mask.sum() / len(right) * abs(mean_conf - acc)
                table.append(CalibrationBin(low, high, int(mask.sum()), mean_conf, acc))
        above = confidence >= threshold
        return CalibrationReport(count=len(right), accuracy=float(right.mean()), expected_calibration_error=ece,
                                 bins=tuple(table), above_threshold=int(above.sum()),
                                 accuracy_above_threshold=float(right[above].mean()) if above.any() else 0.0)


def _features(dense: NDArray[np.float32], ngrams: Any) -> Any:
    """One sparse row per text: the weighted embedding next to the weighted n-gram TF-IDF."""
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(dense * EMBEDDING_WEIGHT), ngrams * NGRAM_WEIGHT], format="csr")


def _log_softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
