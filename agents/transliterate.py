"""Devanagari to the Latin spelling Hinglish writers use: "सर्विस बहुत खराब थी" -> "sarvis bahut kharaab thi".

Word-final long vowels come out short ("क्या" -> "kya", "की" -> "ki"), as they are usually typed.

A rule-based reading, for matching only (the customer's text is kept as typed). Consonants carry the inherent "a"
unless a vowel sign or virama follows; the inherent "a" is dropped at the end of a word ("खराब" -> "kharaab", not
"kharaaba") and between a vowel and a consonant that has its own vowel ("समझना" -> "samajhna"), which is how Hindi is
spoken and how people type it. Nukta letters read as their Urdu sounds (ज़ z, फ़ f, क़ q).
"""

from __future__ import annotations

import re
import unicodedata

_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh",
    "ष": "sh", "स": "s", "ह": "h", "ळ": "l",
    "क़": "q", "ख़": "kh", "ग़": "g", "ज़": "z", "ड़": "d", "ढ़": "dh", "फ़": "f", "य़": "y",
}
_VOWELS = {
    "अ": "a", "आ": "aa", "इ": "i", "ई": "ee", "उ": "u", "ऊ": "oo", "ऋ": "ri", "ए": "e", "ऐ": "ai", "ओ": "o",
    "औ": "au", "ऑ": "o", "ऍ": "e",
}
_SIGNS = {
    "ा": "aa", "ि": "i", "ी": "ee", "ु": "u", "ू": "oo", "ृ": "ri", "े": "e", "ै": "ai", "ो": "o", "ौ": "au",
    "ॉ": "o", "ॅ": "e",
}
_VIRAMA = "्"
_NUKTA = "़"
_NASAL = {"ं": "n", "ँ": "n", "ः": "h"}
_WORD = re.compile("[\u0900-\u0963\u0966-\u097f]+")


def _letters(word: str) -> list[str]:
    """Split into letters, keeping a consonant and its nukta together."""
    letters: list[str] = []
    for char in word:
        if char == _NUKTA and letters:
            letters[-1] += char
        else:
            letters.append(char)
    return letters


def transliterate_word(word: str) -> str:
    letters = _letters(unicodedata.normalize("NFC", word))
    # First pass: each consonant's vowel (its sign, none after virama, else the inherent "a").
    units: list[tuple[str, str]] = []  # (sound, vowel) where vowel "a?" marks an inherent, deletable "a"
    index = 0
    while index < len(letters):
        letter = letters[index]
        following = letters[index + 1] if index + 1 < len(letters) else ""
        if letter in _CONSONANTS:
            if following in _SIGNS:
                units.append((_CONSONANTS[letter], _SIGNS[following]))
                index += 2
                continue
            if following == _VIRAMA:
                units.append((_CONSONANTS[letter], ""))
                index += 2
                continue
            units.append((_CONSONANTS[letter], "a?"))
        elif letter in _VOWELS:
            units.append(("", _VOWELS[letter]))
        elif letter in _NASAL:
            units.append((_NASAL[letter], "~"))  # nasalises the vowel before it
        elif letter in _SIGNS:  # a stray sign: read it as the vowel
            units.append(("", _SIGNS[letter]))
        index += 1
    # Second pass, right to left: drop the inherent "a" at the end of a word of two or more units, and between a
    # sounded vowel and a consonant that carries its own vowel (the schwa-deletion rule of spoken Hindi).
    keep = [vowel == "a?" for _, vowel in units]
    count = len(units)
    if count > 1 and units[-1][1] == "a?":
        keep[-1] = False

    def sounded(position: int) -> bool:
        vowel = units[position][1]
        return vowel == "~" or (vowel not in ("", "a?")) or (vowel == "a?" and keep[position])

    for position in range(count - 2, 0, -1):
        if units[position][1] != "a?":
            continue
        next_sound, next_vowel = units[position + 1]
        if next_sound and next_vowel != "~" and sounded(position + 1) and sounded(position - 1):
            keep[position] = False
    out: list[str] = []
    for position, (sound, vowel) in enumerate(units):
        if vowel == "a?":
            out.append(sound + ("a" if keep[position] else ""))
        else:
            out.append(sound + ("" if vowel == "~" else vowel))
    return "".join(out)


_TYPED = ((re.compile(r"aa$"), "a"), (re.compile(r"ee$"), "i"), (re.compile(r"oo$"), "u"), (re.compile("ee"), "i"))


def typed_like_hinglish(word: str) -> str:
    """Long vowels at the end of a word written short, as WhatsApp Hinglish does ("kyaa" -> "kya", "kee" -> "ki")."""
    for pattern, short in _TYPED:
        word = pattern.sub(short, word)
    return word


def transliterate(text: str) -> str:
    """Every Devanagari word of ``text`` in Latin letters; everything else unchanged."""
    return _WORD.sub(lambda match: typed_like_hinglish(transliterate_word(match.group(0))), text)
