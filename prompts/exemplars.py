"""Intent exemplars: labelled example messages in English, Hinglish and Hindi that train the L2 embedding router.

The data lives in ``prompts/intents/*.jsonl`` (one ``{"text", "intent", "lang"}`` object per line; every file there
is read, in name order). It is
written apart from the evaluation sets under ``evals/`` and must never be filled from them, or the measured accuracy
would mean nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Bump with any change to the exemplars (and retrain: ``make router``), so eval results name what they measured.
VERSION = "exemplars-v2"
EXEMPLARS_DIR = Path(__file__).parent / "intents"
# The embedding router trained on these exemplars, shipped so a fresh install needs no training (``make router``).
ROUTER_WEIGHTS = EXEMPLARS_DIR / "router-weights.npz"


@dataclass(frozen=True, slots=True)
class Exemplar:
    text: str
    intent: str
    lang: str


def load_exemplars(paths: Sequence[Path] | None = None) -> tuple[Exemplar, ...]:
    """Every exemplar, file by file in name order. A malformed line raises ValueError naming the file and line."""
    rows: list[Exemplar] = []
    for path in paths if paths is not None else sorted(EXEMPLARS_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                rows.append(Exemplar(text=str(data["text"]), intent=str(data["intent"]), lang=str(data["lang"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path.name} line {number}: {exc}") from exc
    return tuple(rows)


def exemplars_digest(exemplars: tuple[Exemplar, ...]) -> str:
    """A short hash of the exemplars' content, for caches and for the version a result was produced with."""
    digest = hashlib.sha256()
    for row in exemplars:
        digest.update(f"{row.intent}\t{row.lang}\t{row.text}\n".encode())
    return digest.hexdigest()[:16]
