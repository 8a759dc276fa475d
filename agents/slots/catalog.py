"""Services, staff and coupon codes found in a message, matched against one salon's own catalog.

The salon's catalog is a :class:`CatalogIndex` built once (per tenant) from its services (name and aliases), its
staff (display names) and, when it has them, its coupon codes. Matching is deterministic and works on words:

- A service mention is the longest run of words equal to a service's name or one of its aliases, in the normalised
  message or its romanised view (so "हेयर स्पा" and "hair spa" both find Hair spa). Words of six letters or more
  forgive one typo ("hiarcut", "pedicre"); shorter ones must match exactly ("gaadi" is a car, not "saadi").
- A word that only names the kind of service ("haircut", "facial", "wax") and is the last word of several services
  is reported once, unresolved, with those services as candidates: the conversation asks which one, never guesses.
- Staff match on their first name (or full name), with the same one-typo allowance for longer names.
- A coupon code is a known code of the salon, or, where the salon has none listed, a token of capitals and digits
  right after "code"/"coupon"/"promo" or shaped like one (GLOW20).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.normalise import normalise, romanise

_WORD = re.compile(r"[a-z0-9]+|[\u0900-\u0963\u0966-\u097f]+")
# Words that say nothing about which service: never a mention on their own, never a typo target.
_STOP = frozenset("a an the and aur or my mera meri ka ki ke for se with karna karwana karwani hai ho".split())
_CODE_CUE = re.compile(r"(?:(?:promo|coupon|discount|voucher|offer)\s*code|code|coupon|promo|voucher|कोड|कूपन)"
                       r"\s*(?:no\.?|number|hai|is|:|-)?\s*([A-Za-z0-9-]{4,16})", re.IGNORECASE)
_CODE_SHAPE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{3,10}[0-9]{1,4})(?![A-Za-z0-9])")


def words(text: str) -> tuple[str, ...]:
    """The matching words of any text: normalised, apostrophes and hyphens dropped ("Men's" -> "mens")."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("'", "").replace("\u2019", "")
    return tuple(_WORD.findall(folded.replace("-", "")))


def _near(a: str, b: str, shortest: int | None = None) -> bool:
    """Equal, or (both ``shortest`` letters or more, default TYPO_MIN) one edit or one swap of neighbours apart."""
    if a == b:
        return True
    if min(len(a), len(b)) < (shortest or TYPO_MIN) or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


TYPO_MIN = 6  # shortest word that forgives a typo


def _forms(phrase: str) -> set[tuple[str, ...]]:
    """The word sequences a catalog phrase matches: as written, romanised, and with hyphens as spaces
    ("Clean-up" matches "cleanup" and "clean up")."""
    forms: set[tuple[str, ...]] = set()
    for variant in {phrase, phrase.replace("-", " ")}:
        norm = normalise(variant).text
        forms.update({words(norm), words(romanise(norm))})
    return forms


def _deletions(word: str) -> tuple[str, ...]:
    return tuple(word[:i] + word[i + 1:] for i in range(len(word)))


@dataclass(frozen=True, slots=True)
class ServiceRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ServiceMention:
    """One service the customer named. ``service`` is None when the words fit several (see ``candidates``)."""

    text: str
    service: ServiceRef | None
    candidates: tuple[ServiceRef, ...] = ()

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"text": self.text,
                                    "id": self.service.id if self.service else None,
                                    "name": self.service.name if self.service else None}
        if self.candidates:
            found["candidates"] = [{"id": c.id, "name": c.name} for c in self.candidates]
        return found


@dataclass(frozen=True, slots=True)
class StaffMention:
    text: str
    id: str
    name: str

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    service: ServiceRef


@dataclass
class CatalogIndex:
    """One salon's services, staff and coupon codes, ready for matching. Build it once and share it."""

    services: Sequence[tuple[str, str, Sequence[str]]] = ()  # (id, name, aliases)
    staff: Sequence[tuple[str, str]] = ()  # (id, display name)
    coupons: Sequence[str] = ()
    _phrases: dict[str, list[_Phrase]] = field(init=False, repr=False)
    _heads: dict[str, list[ServiceRef]] = field(init=False, repr=False)
    _fuzzy: dict[str, set[str]] = field(init=False, repr=False)
    _coupons: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        phrases: list[_Phrase] = []
        self._heads = {}
        for service_id, name, aliases in self.services:
            ref = ServiceRef(str(service_id), name)
            seen: set[tuple[str, ...]] = set()
            for spelling in (name, *aliases):
                for form in _forms(spelling):
                    if form and form not in seen and not set(form) <= _STOP:
                        seen.add(form)
                        phrases.append(_Phrase(form, ref))
            head = words(name)[-1:]
            if head and head[0] not in _STOP:
                self._heads.setdefault(head[0], []).append(ref)
        # Phrases by first word, longest first, so "haircut beard combo" wins over "beard".
        self._phrases = {}
        for phrase in sorted(phrases, key=lambda p: -len(p.words)):
            self._phrases.setdefault(phrase.words[0], []).append(phrase)
        vocabulary = {w for p in phrases for w in p.words} | set(self._heads)
        self._fuzzy = {}
        for word in vocabulary:
            if len(word) >= TYPO_MIN:
                for key in (word, *_deletions(word)):
                    self._fuzzy.setdefault(key, set()).add(word)
        self._coupons = {code.upper(): code for code in self.coupons}

    def _spellings(self, word: str) -> list[str]:
        """The catalog words this message word may be: itself, and near spellings of long words."""
        near = {word}
        if len(word) >= TYPO_MIN - 1:
            for key in (word, *_deletions(word)):
                near.update(v for v in self._fuzzy.get(key, ()) if _near(word, v))
        return sorted(near, key=lambda v: v != word)

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(name for _, name, _ in self.services)

    @property
    def staff_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.staff)

    def match_services(self, text: str) -> list[ServiceMention]:
        """Every service the message names, in the order named, each once."""
        norm = normalise(text).text
        views = [words(norm)]
        roman = words(romanise(norm))
        if roman != views[0]:
            views.append(roman)
        found: list[tuple[int, ServiceMention]] = []
        seen: set[str] = set()
        for view in views:
            spellings = [self._spellings(word) for word in view]
            index = 0
            while index < len(view):
                match = self._phrase_at(view, spellings, index)
                if match is not None:
                    phrase = match
                    size = len(phrase.words)
                    if phrase.service.id not in seen:
                        seen.add(phrase.service.id)
                        found.append((index, ServiceMention(" ".join(view[index:index + size]), phrase.service)))
                    index += size
                    continue
                refs = next((self._heads[s] for s in spellings[index] if s in self._heads), None)
                if refs and len(refs) == 1 and refs[0].id not in seen:
                    seen.add(refs[0].id)
                    found.append((index, ServiceMention(view[index], refs[0])))
                elif refs and len(refs) > 1 and not any(m.service is None and m.text == view[index] for _, m in found):
                    found.append((index, ServiceMention(view[index], None, tuple(refs))))
                index += 1
            if found:
                break
        found.sort(key=lambda item: item[0])
        return [mention for _, mention in found]

    def _phrase_at(self, view: tuple[str, ...], spellings: list[list[str]], start: int) -> _Phrase | None:
        best: _Phrase | None = None
        for first in spellings[start]:
            for phrase in self._phrases.get(first, ()):
                size = len(phrase.words)
                if best is not None and size <= len(best.words):
                    break
                if start + size <= len(view) and all(
                        phrase.words[k] in spellings[start + k] for k in range(1, size)):
                    best = phrase
                    break
        return best

    def match_staff(self, text: str) -> StaffMention | None:
        """The first staff member the message names by first or full name."""
        view = words(romanise(normalise(text).text))
        for index, word in enumerate(view):
            for staff_id, name in self.staff:
                parts = words(name)
                if not parts:
                    continue
                first = parts[0]
                # Staff are a handful of names: a typo is forgiven from five letters ("Anaya" for Ananya).
                if word == first or (len(first) >= 5 and _near(word, first, shortest=5)):
                    full = view[index:index + len(parts)] == parts
                    return StaffMention(" ".join(view[index:index + len(parts)]) if full else word,
                                        str(staff_id), name)
        return None

    def match_coupon(self, text: str) -> str | None:
        """A coupon code: one of the salon's own when it lists any, else a code-shaped token."""
        if self._coupons:
            for token in re.findall(r"[A-Za-z0-9-]{3,20}", text):
                if token.upper() in self._coupons:
                    return self._coupons[token.upper()]
            return None
        cue = _CODE_CUE.search(text)
        if cue and re.search(r"[0-9]", cue.group(1)) or cue and cue.group(1).isupper():
            return cue.group(1).upper()
        shaped = _CODE_SHAPE.search(text)
        return shaped.group(1) if shaped else None

