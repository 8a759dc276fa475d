"""Is the customer angry or distressed? A deterministic, explainable reading of one message.

An upset customer is a person's job, not a bot's (UC-BOT-064): the conversation hands over, and distress about an
injury (a burn, an allergic reaction, bleeding) gets an urgent reply. Thoughts of self-harm ("I want to end my life",
"mar jaana chahti hoon", "जीने का मन नहीं") are distress too, whatever else the message asks.

The cues are data (``prompts/sentiment.json``, see ``prompts.sentiment``), written in Latin letters only: the
message is normalised and its Devanagari romanised (``agents.normalise``) before matching, so "बकवास" is read as
"bakvaas" and folds to the same word as "bakwas".

How a message is read:

1. Each cue group's phrases are matched on whole words, sentence by sentence.
2. A cue right after a negator ("not angry", "no rash", fillers such as "at all" between) or just before "nahi"
   ("gussa nahi", "jalan nahi hui") is dropped; so is a distress or harm cue with a hedge a few words before it
   ("to avoid any rash", "can it cause burning"), unless its group is ``keep_when_hedged`` (self-harm: "if it
   isn't fixed I'll kill myself" still counts). Groups marked ``skip_in_questions`` are dropped in a question that
   says nothing of the writer ("is there burning during keratin?"), and groups with ``needs`` count only when the
   message also says something happened ("rash" needs "after", "ho gaya", "on my face" ...).
3. Capitals shouted, a run of "!!!" and angry emoji add a little to anger, but not in a message of praise.
4. Each group counts once, by weight: distress and harm reaching the threshold make the message "distressed"
   (``harm`` when an injury is named), else anger reaching it makes it "angry", else it is "calm".

The ``reason`` names every cue that counted (and, for a calm message, what was dropped), so a handover can say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

from agents.normalise import normalise, romanise
from prompts.sentiment import CueGroup, Lexicon, load_lexicon

Label = Literal["calm", "angry", "distressed"]

_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_TOKEN = re.compile(r"[a-z0-9']+")
_REPEAT = re.compile(r"(.)\1+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_GAP_WORDS = 4  # what "..." in a phrase may skip


@lru_cache(maxsize=16384)
def fold(word: str) -> str:
    """One spelling for the ways a Hinglish word is typed: "bakwaas", "bakvas" -> "bakvas"; "khoon" -> "khun"."""
    word = word.replace("'", "").replace("ph", "f").replace("w", "v").replace("z", "j").replace("q", "k")
    return _REPEAT.sub(r"\1", word.replace("ee", "i").replace("oo", "u"))


@dataclass(frozen=True, slots=True)
class Sentiment:
    """How one message reads. ``cues``: what counted, as the customer wrote it (romanised) or a typography mark."""

    label: Label
    reason: str
    cues: tuple[str, ...] = ()
    harm: bool = False  # distress about an injury: burn, allergic reaction, bleeding, pain ...

    @property
    def flags(self) -> tuple[str, ...]:
        """The understanding flags: "angry", or "distressed" (plus "harm"), or none."""
        if self.label == "calm":
            return ()
        return (self.label, "harm") if self.harm else (self.label,)


@dataclass(frozen=True, slots=True)
class _Word:
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def __call__(self, word: str) -> bool:
        return word in self.exact or any(word.startswith(prefix) for prefix in self.prefixes)


_Phrase = tuple[_Word | None, ...]  # None: a gap of up to _GAP_WORDS words


def compile_phrase(phrase: str) -> _Phrase:
    parts: list[_Word | None] = []
    for token in phrase.casefold().split():
        if token == "...":
            parts.append(None)
            continue
        options = token.split("|")
        parts.append(_Word(frozenset(fold(o) for o in options if not o.endswith("*")),
                           tuple(fold(o[:-1]) for o in options if o.endswith("*"))))
    if not parts or parts[0] is None or parts[-1] is None:
        raise ValueError(f"sentiment phrase {phrase!r} must start and end with a word")
    return tuple(parts)


class _PhraseIndex:
    """Many phrases, each owned by a key, found in one pass over a sentence: phrases are looked up by their first
    word, so a word starts only the few phrases that can begin with it."""

    def __init__(self, owned: Iterable[tuple[str, str]]) -> None:
        self._by_word: dict[str, list[tuple[str, _Phrase]]] = {}
        self._by_prefix: list[tuple[str, str, _Phrase]] = []
        for key, text in owned:
            phrase = compile_phrase(text)
            first = phrase[0]
            if first is None:  # compile_phrase refuses a leading gap; this keeps the type checker sure of it
                continue
            for word in first.exact:
                self._by_word.setdefault(word, []).append((key, phrase))
            self._by_prefix.extend((prefix, key, phrase) for prefix in first.prefixes)

    def find(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        """(key, start, end) of every phrase found, ends exclusive."""
        found = []
        for start, word in enumerate(words):
            candidates = self._by_word.get(word, [])
            starting = [(key, phrase) for prefix, key, phrase in self._by_prefix if word.startswith(prefix)]
            for key, phrase in candidates + starting if starting else candidates:
                end = _match(phrase, words, start + 1, 1)
                if end is not None:
                    found.append((key, start, end))
        return found


def _match(phrase: _Phrase, words: Sequence[str], at: int, part: int = 0) -> int | None:
    """Where the phrase ends (exclusive) when its part number ``part`` is read from word ``at`` on, or None."""
    if part == len(phrase):
        return at
    expected = phrase[part]
    if expected is None:
        for skip in range(_GAP_WORDS + 1):
            end = _match(phrase, words, at + skip, part + 1)
            if end is not None:
                return end
        return None
    if at < len(words) and expected(words[at]):
        return _match(phrase, words, at + 1, part + 1)
    return None


@dataclass(frozen=True, slots=True)
class _Sentence:
    words: tuple[str, ...]  # folded
    shown: tuple[str, ...]  # as written (romanised), for the reason
    question: bool


@dataclass(frozen=True, slots=True)
class _Hit:
    group: CueGroup
    sentence: int
    start: int
    end: int
    text: str


def _sentences(text: str) -> list[_Sentence]:
    found = []
    for piece in _SENTENCE.findall(text.replace("\u2019", "'")):
        shown = tuple(t.replace("'", "") for t in _TOKEN.findall(piece))
        if shown:
            found.append(_Sentence(tuple(fold(t) for t in shown), shown, piece.rstrip().endswith("?")))
    return found


@dataclass
class SentimentDetector:
    """Build once (compiles the lexicon), then ``detect`` every message. Pure: no I/O after construction."""

    lexicon: Lexicon = field(default_factory=load_lexicon)

    def __post_init__(self) -> None:
        lex = self.lexicon
        self._groups = {str(number): group for number, group in enumerate(lex.groups)}
        self._cues = _PhraseIndex((key, phrase) for key, group in self._groups.items() for phrase in group.phrases)
        self._contexts = _PhraseIndex((name, phrase) for name, phrases in lex.contexts.items() for phrase in phrases)
        self._negators_before = frozenset(fold(w) for w in lex.negators_before)
        self._fillers = frozenset(fold(w) for w in lex.fillers)
        self._negators_after = frozenset(fold(w) for w in lex.negators_after)
        self._hedges = frozenset(fold(w) for w in lex.hedges)
        self._openers = frozenset(fold(w) for w in lex.question_openers)
        self._personal = frozenset(fold(w) for w in lex.personal)
        self._praise = frozenset(fold(w) for w in lex.praise)
        self._exclaim = re.compile(f"[!?\uff01]{{{lex.typography.exclaim_run},}}")

    def detect(self, text: str) -> Sentiment:
        """How ``text`` (the message as the customer typed it, capitals and all) reads."""
        sentences = _sentences(romanise(normalise(text).text))
        hits, dropped = self._hits(sentences)
        anger: dict[str, tuple[int, str]] = {}
        distress: dict[str, tuple[int, str]] = {}
        harm = False
        for hit in hits:
            bucket = anger if hit.group.kind == "anger" else distress
            if hit.group.name not in bucket or bucket[hit.group.name][0] < hit.group.weight:
                bucket[hit.group.name] = (hit.group.weight, hit.text)
            harm = harm or hit.group.kind == "harm"
        marks = self._typography(text)
        praised = any(word in self._praise for s in sentences for word in s.words)
        if marks and praised and not anger:
            dropped.extend(f"{mark} (praise)" for mark, _ in marks)
            marks = []
        threshold = self.lexicon.threshold
        anger_score = sum(w for w, _ in anger.values()) + sum(w for _, w in marks)
        distress_score = sum(w for w, _ in distress.values())
        said_anger = [f"{name} '{shown}'" for name, (_, shown) in anger.items()] + [mark for mark, _ in marks]
        said_distress = [f"{name} '{shown}'" for name, (_, shown) in distress.items()]
        cues = tuple([shown for _, shown in distress.values()] + [shown for _, shown in anger.values()]
                     + [mark for mark, _ in marks])
        if distress_score >= threshold:
            reason = ("distressed (harm): " if harm else "distressed: ") + ", ".join(said_distress)
            if anger_score >= threshold:
                reason += "; also angry: " + ", ".join(said_anger)
            return Sentiment("distressed", reason, cues, harm)
        if anger_score >= threshold:
            return Sentiment("angry", "angry: " + ", ".join(said_anger), cues)
        notes = []
        if said_anger or said_distress:
            notes.append(f"{', '.join(said_distress + said_anger)} weigh {max(anger_score, distress_score)}"
                         f" < {threshold}")
        if dropped:
            notes.append("dropped " + ", ".join(dropped))
        return Sentiment("calm", "calm" + (": " + "; ".join(notes) if notes else ""), ())

    def _hits(self, sentences: list[_Sentence]) -> tuple[list[_Hit], list[str]]:
        """The cues that count, longest first where two overlap, and the ones dropped (with why)."""
        happened = {name for s in sentences for name, _, _ in self._contexts.find(s.words)}
        found: list[_Hit] = []
        dropped: list[str] = []
        for number, sentence in enumerate(sentences):
            words = sentence.words
            asking = sentence.question or (bool(words) and words[0] in self._openers)
            impersonal_question = asking and not any(word in self._personal for word in words)
            for key, start, end in self._cues.find(words):
                group = self._groups[key]
                text = " ".join(sentence.shown[start:end])
                why = self._drop(group, words, start, end, impersonal_question, happened)
                if why:
                    dropped.append(f"'{text}' ({why})")
                else:
                    found.append(_Hit(group, number, start, end, text))
        found.sort(key=lambda h: (h.sentence, -(h.end - h.start), h.start))
        kept: list[_Hit] = []
        for hit in found:
            if not any(k.sentence == hit.sentence and k.start < hit.end and hit.start < k.end for k in kept):
                kept.append(hit)
        return kept, dropped

    def _drop(self, group: CueGroup, words: Sequence[str], start: int, end: int, impersonal_question: bool,
              happened: set[str]) -> str:
        """Why this cue does not count here ("" when it does)."""
        before = start - 1
        while before >= 0 and words[before] in self._fillers:
            before -= 1
        if before >= 0 and words[before] in self._negators_before:
            return "negated"
        if any(word in self._negators_after for word in words[end:end + self.lexicon.negators_after_window]):
            return "negated"
        if group.kind != "anger":
            if not group.keep_when_hedged and any(
                    word in self._hedges for word in words[max(0, start - self.lexicon.hedges_window):start]):
                return "hedged"
            if group.skip_in_questions and impersonal_question:
                return "a question"
            if group.needs and group.needs not in happened:
                return f"no {group.needs.replace('_', ' ')} context"
        return ""

    def _typography(self, text: str) -> list[tuple[str, int]]:
        """Shouting in capitals, "!!!" and angry emoji in the message as typed, with their weights."""
        shape = self.lexicon.typography
        marks: list[tuple[str, int]] = []
        latin = _LATIN_WORD.findall(text)
        letters = sum(len(word) for word in latin)
        capitals = sum(1 for word in latin if len(word) >= 3 and word.isupper())
        if capitals >= shape.shouting_min_words and letters and \
                sum(ch.isupper() for word in latin for ch in word) / letters >= shape.shouting_share:
            marks.append(("shouting in capitals", shape.shouting_weight))
        if any(run.count("!") + run.count("\uff01") >= 2 for run in self._exclaim.findall(text)):
            marks.append(("'!!!'", shape.exclaim_weight))
        if any(emoji in text for emoji in shape.angry_emoji):
            marks.append(("angry emoji", shape.angry_emoji_weight))
        return marks


@cache
def default_detector() -> SentimentDetector:
    """The detector over the shipped lexicon, built on first use and shared."""
    return SentimentDetector()


def detect_sentiment(text: str) -> Sentiment:
    """How ``text`` reads, by the shipped lexicon."""
    return default_detector().detect(text)
