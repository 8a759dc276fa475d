"""Whether a message adds services to the booking being made or takes them off it.

"add a head massage too", "haircut bhi karwana hai", "हेड मसाज भी जोड़ दो" add; "remove the beard trim",
"beard trim nahi chahiye", "without the wax", "दाढ़ी हटा दो" take off. Read on the romanised text; only meaningful
when the message also names a service and a booking is already being put together (the conversation decides).
"""

from __future__ import annotations

import re
from typing import Literal

from agents.normalise import romanise

CartChange = Literal["add", "remove"]

_REMOVE = re.compile(
    r"(?<![a-z])(?:remove|without|skip|drop|cancel\s+the|no\s+need\s+(?:of|for)|don'?t\s+(?:need|want)|"
    r"do\s+not\s+(?:need|want)|hata(?:o|do|\s+do|\s+dijiye|iye)?|hatana|nahi\s+chahiye|nahin\s+chahiye|"
    r"mat\s+(?:karo|karna)|nikal\s+do|nikalo)(?![a-z])")
_ADD = re.compile(
    r"(?<![a-z])(?:add|also|too|as\s+well|plus|along\s+with|bhi|saath\s+(?:mein|me)|jod(?:o|do|\s+do|\s+dijiye)?)"
    r"(?![a-z])")


def cart_change(text: str) -> CartChange | None:
    said = romanise(text).lower()
    if _REMOVE.search(said):
        return "remove"
    if _ADD.search(said):
        return "add"
    return None
