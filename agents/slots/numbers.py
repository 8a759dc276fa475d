"""A mappable normal form of a message for slot extraction: lower case, Devanagari romanised, number words as digits.

Every character of the normal form remembers the span of the original message it came from, so an extractor that
matches the normal form can still quote the customer's own words (``Normalised.source``). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Per character: Devanagari digits as ASCII, nukta and chandrabindu folded so "साढ़े"/"साढे" and "पाँच"/"पांच" meet,
# zero-width characters dropped, typographic apostrophes made plain.
_CHARS: dict[str, str] = {chr(0x0966 + i): str(i) for i in range(10)}
_CHARS.update({"\u093c": "", "\u0901": "\u0902", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": ""})
_CHARS.update(dict(zip("\u0958\u0959\u095a\u095b\u095c\u095d\u095e\u095f", "कखगजडढफय", strict=True)))
_CHARS.update({"\u2019": "'", "\u2018": "'", "\u00a0": " "})


def _fold(text: str) -> str:
    return "".join(_CHARS.get(char, char.lower()) for char in text)


# Devanagari words the extractors understand, romanised to the spelling they match.
_HINDI_WORDS: dict[str, str] = {
    "आज": "aaj", "कल": "kal", "परसों": "parso", "परसो": "parso", "शाम": "shaam", "सुबह": "subah",
    "सवेरे": "savere", "दोपहर": "dopahar", "रात": "raat", "बजे": "baje", "बज": "baj", "बजकर": "bajkar",
    "मिनट": "minute", "साढ़े": "saade", "सवा": "sawa", "पौने": "paune", "डेढ़": "dedh", "ढाई": "dhai", "को": "ko",
    "तारीख़": "tareek", "तारीख": "tareek", "तारिख": "tareek", "दिन": "din", "बाद": "baad", "में": "mein",
    "अगले": "agle", "अगला": "agla", "इस": "is", "आने": "aane", "वाले": "wale", "हफ़्ते": "hafte", "लोग": "log",
    "रुपये": "rupaye", "रुपए": "rupaye", "घंटे": "ghante", "महीने": "mahine", "की": "ki", "के": "ke",
    "सोमवार": "somvar", "मंगलवार": "mangalvar", "बुधवार": "budhvar", "गुरुवार": "guruvar", "गुरूवार": "guruvar",
    "बृहस्पतिवार": "guruvar", "शुक्रवार": "shukravar", "शनिवार": "shanivar", "रविवार": "ravivar", "इतवार": "itwar",
    "जनवरी": "january", "फ़रवरी": "february", "मार्च": "march", "अप्रैल": "april", "मई": "may", "जून": "june",
    "जुलाई": "july", "अगस्त": "august", "सितंबर": "september", "सितम्बर": "september", "अक्टूबर": "october",
    "अक्तूबर": "october", "नवंबर": "november", "नवम्बर": "november", "दिसंबर": "december", "दिसम्बर": "december",
    "एक": "ek", "दो": "do", "तीन": "teen", "चार": "char", "पांच": "paanch", "छह": "chhe", "छः": "chhe", "छे": "chhe",
    "सात": "saat", "आठ": "aath", "नौ": "nau", "दस": "das", "ग्यारह": "gyarah", "बारह": "barah",
}  # fmt: skip
_HINDI = {_fold(word): roman for word, roman in _HINDI_WORDS.items()}
_NOT_IN_A_WORD = "[\u0900-\u097f\\w]"
_HINDI_ALTERNATIVES = "|".join(sorted(map(re.escape, _HINDI), key=len, reverse=True))
_HINDI_WORD = re.compile(f"(?<!{_NOT_IN_A_WORD})(?:{_HINDI_ALTERNATIVES})(?!{_NOT_IN_A_WORD})")

# Number words, in Hinglish and English spellings. "do", "sat", "one" are ordinary words too, so a number word becomes
# a digit only next to a word that makes it a count of hours or days (see _NEXT and _PREVIOUS).
def spellings(groups: tuple[str, ...], start: int = 0) -> dict[str, int]:
    """``("jan january", "feb february")`` -> ``{"jan": 0, "january": 0, "feb": 1, ...}``: the n-th group's
    space-separated spellings all map to ``start + n``."""
    return {spelling: number for number, group in enumerate(groups, start) for spelling in group.split()}


NUMBER_WORDS: dict[str, int] = spellings(
    (
        "ek aik one",
        "do doh two",
        "teen tin three",
        "char chaar four",
        "paanch panch pach paach five",
        "chhe chhah chah che chhey cheh six",
        "saat sat seven",
        "aath ath eight",
        "nau nine",
        "das dus ten",
        "gyarah gyara gyaarah gyaara eleven",
        "barah bara baarah baara twelve",
    ),
    start=1,
)

PART_OF_DAY = (
    r"(?<!good )(?<!gud )(?:subah|subha|subh|suba|subeh|savere|sawere|savera|morning|mrng|morng|morn"
    r"|d[ou]p[ae]?h[ae]?r|afternoon|aftrnoon|sha{1,2}m|evening|evng|eve|raat|raath|rat|night|nite|tonight|tonite)"
    r"(?![a-z])"
)
_NUMBER_WORD = re.compile(r"(?<![a-z'])(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?![a-z])")
_NEXT = re.compile(
    r"\s*(?:baje|bje|baj|bajkar|bajke|bajey|o'?\s?clock|oclock|[ap]\.?m\b|din|dino|dinon|days?\b|hafte|weeks?\b"
    r"|t[a]a?r[ie]e?kh?)"
)
_PREVIOUS = re.compile(
    r"(?<![a-z])(?:" + PART_OF_DAY + r"(?:\s+ko)?|saa?dh?e|sawa|sava|savva|paune|pone|poune|at|@|around"
    r"|quarter\s+(?:to|past)|half\s+past)\s*\Z"
)


@dataclass(frozen=True)
class Normalised:
    """The normal form of ``original``; ``spans[i]`` is the original span behind ``text[i]``."""

    text: str
    original: str
    spans: tuple[tuple[int, int], ...]

    def source(self, start: int, end: int) -> str:
        """The customer's own words behind ``text[start:end]``."""
        if start >= end:
            return ""
        return self.original[self.spans[start][0] : self.spans[end - 1][1]]

    def sub(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> Normalised:
        """Replace each match; the replacement's characters all map to the whole span the match came from."""
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        last = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            new = replace(match)
            if start == end or new == match.group():
                continue
            pieces.append(self.text[last:start])
            spans.extend(self.spans[last:start])
            pieces.append(new)
            spans.extend([(self.spans[start][0], self.spans[end - 1][1])] * len(new))
            last = end
        pieces.append(self.text[last:])
        spans.extend(self.spans[last:])
        return Normalised("".join(pieces), self.original, tuple(spans))


def _fold_mapped(text: str) -> Normalised:
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        folded = _CHARS.get(char, char.lower())
        chars.append(folded)
        spans.extend([(index, index + 1)] * len(folded))
    return Normalised("".join(chars), text, tuple(spans))


def normalise(text: str) -> Normalised:
    """The mappable normal form of a message: folded, Devanagari words romanised, counted number words as digits."""
    folded = _fold_mapped(text).sub(_HINDI_WORD, lambda match: _HINDI[match.group()])

    def number(match: re.Match[str]) -> str:
        counted = _NEXT.match(folded.text, match.end()) or _PREVIOUS.search(folded.text[: match.start()])
        return str(NUMBER_WORDS[match.group()]) if counted else match.group()

    return folded.sub(_NUMBER_WORD, number)


def normalise_numbers(text: str) -> str:
    """'शाम पाँच बजे' -> 'shaam 5 baje'; 'teen din baad' -> '3 din baad'; 'do you have' stays as it is."""
    return normalise(text).text
