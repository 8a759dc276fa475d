"""When a customer wants to come: the date and time slots of a chat message, read deterministically.

``extract_date`` (rules in ``agents.slots.dates``) and ``extract_time`` (rules in ``agents.slots.times``) read
English, Hinglish and Hindi; ``normalise_numbers`` (``agents.slots.numbers``) is the shared normal form they match.
"""

from __future__ import annotations

from agents.slots.dates import DateKind, DateSlot, extract_date
from agents.slots.numbers import normalise_numbers
from agents.slots.times import TimeSlot, extract_time

__all__ = ["DateKind", "DateSlot", "TimeSlot", "extract_date", "extract_time", "normalise_numbers"]
