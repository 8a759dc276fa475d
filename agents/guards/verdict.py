"""What the input guard says about one message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Flag = Literal["prompt_injection", "data_exfiltration", "abuse"]
FLAGS: tuple[Flag, ...] = ("prompt_injection", "data_exfiltration", "abuse")


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """``flags`` in the order of ``FLAGS``; ``sanitised`` is safe to pass on (the original when nothing is flagged);
    ``reasons`` has one line per flag, naming the rules that fired (never the message text, so it can be logged)."""

    flags: tuple[Flag, ...]
    sanitised: str
    reasons: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)
