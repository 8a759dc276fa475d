"""The sentiment lexicon: cues of an angry or distressed customer, in English, Hinglish and romanised Hindi.

The data lives in ``prompts/sentiment.json`` (its ``about`` lines say how phrases are written and matched); this
module only reads and checks it. ``agents.sentiment`` compiles and applies it. Bump ``VERSION`` with any change to
the cues, so transcripts and evals can say which lexicon they saw; ``lexicon_digest`` hashes the exact content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

VERSION = "sentiment-v2"
LEXICON_PATH = Path(__file__).parent / "sentiment.json"

Kind = Literal["anger", "distress", "harm"]
KINDS: tuple[Kind, ...] = ("anger", "distress", "harm")


@dataclass(frozen=True, slots=True)
class CueGroup:
    """Phrases that mean one thing ("burn", "fed up"). ``harm``: distress about an injury (burn, allergy, bleeding)."""

    name: str
    kind: Kind
    weight: int
    phrases: tuple[str, ...]
    needs: str | None = None  # a context list that must also appear in the message
    skip_in_questions: bool = False
    keep_when_hedged: bool = False  # "if it isn't fixed I'll kill myself" still counts: no hedge drops it


@dataclass(frozen=True, slots=True)
class Typography:
    shouting_weight: int
    shouting_min_words: int
    shouting_share: float
    exclaim_weight: int
    exclaim_run: int
    angry_emoji_weight: int
    angry_emoji: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    threshold: int
    groups: tuple[CueGroup, ...]
    contexts: dict[str, tuple[str, ...]]
    negators_before: tuple[str, ...]
    fillers: tuple[str, ...]
    negators_after: tuple[str, ...]
    negators_after_window: int
    hedges: tuple[str, ...]
    hedges_window: int
    question_openers: tuple[str, ...]
    personal: tuple[str, ...]
    praise: tuple[str, ...]
    typography: Typography


def _strings(data: Any, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(item, str) and item.strip() for item in data):
        raise ValueError(f"sentiment.json: {where} must be a list of non-empty strings")
    return tuple(data)


def parse_lexicon(data: Any) -> Lexicon:
    """A checked lexicon from the JSON data; anything malformed is a ValueError naming the place."""
    if not isinstance(data, dict):
        raise ValueError("sentiment.json must be an object")
    try:
        contexts = {str(name): _strings(items, f"contexts.{name}") for name, items in data["contexts"].items()}
        groups = []
        for number, group in enumerate(data["groups"]):
            if group["kind"] not in KINDS:
                raise ValueError(f"sentiment.json: groups[{number}].kind must be one of {', '.join(KINDS)}")
            needs = group.get("needs")
            if needs is not None and needs not in contexts:
                raise ValueError(f"sentiment.json: groups[{number}] needs unknown context {needs!r}")
            groups.append(CueGroup(name=str(group["name"]), kind=group["kind"], weight=int(group["weight"]),
                                   phrases=_strings(group["phrases"], f"groups[{number}].phrases"), needs=needs,
                                   skip_in_questions=bool(group.get("skip_in_questions", False)),
                                   keep_when_hedged=bool(group.get("keep_when_hedged", False))))
        shape = data["typography"]
        typography = Typography(
            shouting_weight=int(shape["shouting_weight"]), shouting_min_words=int(shape["shouting_min_words"]),
            shouting_share=float(shape["shouting_share"]), exclaim_weight=int(shape["exclaim_weight"]),
            exclaim_run=int(shape["exclaim_run"]), angry_emoji_weight=int(shape["angry_emoji_weight"]),
            angry_emoji=_strings(shape["angry_emoji"], "typography.angry_emoji"))
        return Lexicon(
            threshold=int(data["threshold"]), groups=tuple(groups), contexts=contexts,
            negators_before=_strings(data["negators_before"], "negators_before"),
            fillers=_strings(data["fillers"], "fillers"),
            negators_after=_strings(data["negators_after"], "negators_after"),
            negators_after_window=int(data["negators_after_window"]), hedges=_strings(data["hedges"], "hedges"),
            hedges_window=int(data["hedges_window"]),
            question_openers=_strings(data["question_openers"], "question_openers"),
            personal=_strings(data["personal"], "personal"), praise=_strings(data["praise"], "praise"),
            typography=typography)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"sentiment.json is malformed: {exc!r}") from exc


@cache
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    return parse_lexicon(json.loads(path.read_text(encoding="utf-8")))


def lexicon_digest(path: Path = LEXICON_PATH) -> str:
    """A short hash of the lexicon file's exact content, recorded next to ``VERSION`` in eval results."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
