"""Half-open intervals of whole minutes since the Unix epoch (UTC): the engine's arithmetic, kept fast and exact."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Span = tuple[int, int]
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


def to_minute(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return int(moment.timestamp()) // 60


def from_minute(minute: int) -> datetime:
    return EPOCH_UTC + timedelta(minutes=minute)


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sorted, merged, without empty spans."""
    merged: list[Span] = []
    for start, end in sorted(span for span in spans if span[1] > span[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(left: Sequence[Span], right: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start, end = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(spans: Sequence[Span], cuts: Sequence[Span]) -> list[Span]:
    """``spans`` minus ``cuts``; both normalised."""
    out: list[Span] = []
    j = 0
    for start, end in spans:
        cursor = start
        while j < len(cuts) and cuts[j][1] <= cursor:
            j += 1
        k = j
        while k < len(cuts) and cuts[k][0] < end:
            if cuts[k][0] > cursor:
                out.append((cursor, cuts[k][0]))
            cursor = max(cursor, cuts[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


class FreeTime:
    """A staff member's free spans on one day, answering "is [a, b) free?" in O(log n)."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Sequence[Span]) -> None:
        self.starts = [span[0] for span in spans]
        self.ends = [span[1] for span in spans]

    def covers(self, start: int, end: int) -> bool:
        if end <= start:
            return True
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and self.ends[index] >= end


class Usage:
    """How many units of one resource are in use over time, as a step function."""

    __slots__ = ("levels", "points")

    def __init__(self, uses: Iterable[tuple[int, int, int]]) -> None:
        deltas: dict[int, int] = {}
        for start, end, quantity in uses:
            if end > start:
                deltas[start] = deltas.get(start, 0) + quantity
                deltas[end] = deltas.get(end, 0) - quantity
        self.points = sorted(deltas)
        self.levels: list[int] = []
        level = 0
        for point in self.points:
            level += deltas[point]
            self.levels.append(level)

    def peak(self, start: int, end: int) -> int:
        """The most units in use at any instant of [start, end)."""
        # levels[i] holds on [points[i], points[i + 1]); before the first point nothing is in use.
        first = bisect_right(self.points, start) - 1
        last = bisect_left(self.points, end)
        return max(self.levels[max(first, 0):last], default=0)
