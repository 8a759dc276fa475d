"""Which booking status may follow which. The only place these rules live."""

from __future__ import annotations

from domain.errors import InvalidTransition
from domain.models import BookingStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.HELD: frozenset({S.CONFIRMED, S.EXPIRED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.EXPIRED: frozenset(),
}

_WORDS = {S.HELD: "held", S.CONFIRMED: "confirmed", S.CHECKED_IN: "checked in", S.COMPLETED: "completed",
          S.CANCELLED: "cancelled", S.NO_SHOW: "marked as a no-show", S.EXPIRED: "expired"}


def check_transition(current: str, target: S) -> None:
    state = S(current)
    if target not in ALLOWED[state]:
        raise InvalidTransition(f"This booking is {_WORDS[state]}, so it cannot be {_WORDS[target]}.",
                                status=state.value, wanted=target.value)
