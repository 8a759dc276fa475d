"""A star rating written in a message: "5 stars", "4/5", "⭐⭐⭐⭐", "rating 3" (out of 5 only: "8/10" is not one).

Returns 1-5, or None when the message holds no clear rating. A bare number counts only when it is the whole
message ("5"), since "2 haircuts" is not a rating.
"""

from __future__ import annotations

import re

_STARS = re.compile(r"(?:⭐|★|🌟)")
_OUT_OF_FIVE = re.compile(r"\b([1-5])\s*(?:/|out of|mein se|में से)\s*5\b", re.IGNORECASE)
_N_STARS = re.compile(r"\b([1-5])\s*(?:stars?|star|sitare|सितारे|स्टार)", re.IGNORECASE)
_RATING_N = re.compile(r"\b(?:rating|rate|rated|रेटिंग)\s*(?:is|hai|:|-)?\s*([1-5])\b", re.IGNORECASE)
_ALONE = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")


def read_rating(text: str) -> int | None:
    stars = len(_STARS.findall(text))
    if 1 <= stars <= 5 and not re.search(r"\d", text):
        return stars
    for pattern in (_OUT_OF_FIVE, _N_STARS, _RATING_N, _ALONE):
        found = pattern.search(text)
        if found:
            return int(found.group(1))
    return None
