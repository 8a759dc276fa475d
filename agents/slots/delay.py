"""How late a customer says they will be: "running 20 mins late", "aadha ghanta late", "थोड़ा लेट हूँ".

Returns minutes, or None when the message does not say the customer is late, or not by how much.
"Thoda"/"a bit"/"few minutes" without a number reads as 15; half an hour ("aadha ghanta", "half an hour") as 30;
"an hour"/"ek ghanta" as 60.
"""

from __future__ import annotations

import re

from agents.normalise import normalise, romanise

_LATE = re.compile(r"(?<![a-z])(?:late|let|delay\w*|der|deri|dair)(?![a-z])")
_MINUTES = re.compile(r"(?<!\d)(\d{1,3})\s*(?:(?:-|to|se)\s*(\d{1,3})\s*)?"
                      r"(?:m|min|mins|minute|minutes|minit|minat|mint|mnt)(?![a-z])")
_HOURS = re.compile(r"(?<!\d)(\d)\s*(?:hr|hrs|hour|hours|ghanta|ghante)(?![a-z])")
_HALF = re.compile(r"(?<![a-z])(?:half\s+(?:an\s+)?hour|aadha\s+ghanta|adha\s+ghanta|aadhe\s+ghante)"
                   r"(?![a-z])")
_ONE_HOUR = re.compile(r"(?<![a-z])(?:an\s+hour|one\s+hour|ek\s+ghanta|ek\s+ghante)(?![a-z])")
_A_BIT = re.compile(r"(?<![a-z])(?:thoda|thodi|thora|a\s+bit|a\s+little|few\s+min\w*|kuch\s+der|kuch\s+minute)"
                    r"(?![a-z])")


def extract_delay(text: str) -> int | None:
    words = romanise(normalise(text).text)
    if not _LATE.search(words):
        return None
    if minutes := _MINUTES.search(words):  # "10-15 min": the longer, so the new time holds
        return max(int(minutes.group(1)), int(minutes.group(2) or 0))
    if hours := _HOURS.search(words):
        return int(hours.group(1)) * 60
    if _HALF.search(words):
        return 30
    if _ONE_HOUR.search(words):
        return 60
    if _A_BIT.search(words):
        return 15
    return None
