"""Which of several dates or times a message means, when it names the old one and the new one.

"shift my haircut from 5 to 7", "dedh baje ki jagah dhai baje", "kal wali booking parso kar do": a message that
moves a booking names the old slot first and the new one last, so with a change word present the last reading wins.
English "7 instead of 5" and "to 7 from 5" put the new one first. Without a change word the first reading wins
("5 se 7 ke beech" is a range that starts at 5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

CHANGE = re.compile(
    r"(?<![a-z])(?:shift\w*|move\w*|chang\w*|reschedul\w*|prepone\w*|postpone\w*|badal\w*|badl\w*|instead|jagah"
    r"|bajaye|bajay|badle|push\w*|wal[aie]\s+(?:booking|appointment|slot)"
    r"|(?:mera|meri|mere|my)\s+(?:slot|booking|appointment|time|timing))(?![a-z])"
)
_NEW_FIRST = re.compile(r"(?<![a-z])(?:instead\s+of|from)(?![a-z])")


def is_change(text: str) -> bool:
    return CHANGE.search(text) is not None


def choose(text: str, readings: Sequence[tuple[int, int, T]]) -> T | None:
    """From readings (start, end, value) sorted by position, the one the customer wants."""
    distinct: list[tuple[int, int, T]] = []
    for reading in readings:
        if not distinct or reading[0] >= distinct[-1][1]:
            distinct.append(reading)
    if not distinct:
        return None
    if len(distinct) == 1 or not is_change(text):
        return distinct[0][2]
    if _NEW_FIRST.search(text, distinct[0][1], distinct[1][0]):
        return distinct[0][2]
    return distinct[-1][2]
