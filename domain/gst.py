"""GST identity rules: state codes and GSTIN validation (15 characters, mod-36 check character)."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

# State and union-territory codes as used in the first two characters of a GSTIN.
STATE_CODES: dict[str, str] = {
    "01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh",
    "05": "Uttarakhand", "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh",
    "10": "Bihar", "11": "Sikkim", "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur",
    "15": "Mizoram", "16": "Tripura", "17": "Meghalaya", "18": "Assam", "19": "West Bengal",
    "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh", "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra", "29": "Karnataka", "30": "Goa",
    "31": "Lakshadweep", "32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry",
    "35": "Andaman and Nicobar Islands", "36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh",
    "97": "Other Territory",
}

_GSTIN_SHAPE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_character(first_fourteen: str) -> str:
    """The 15th character of a GSTIN, computed from the first 14."""
    total = 0
    for index, char in enumerate(first_fourteen):
        product = _ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _ALPHABET[(36 - total % 36) % 36]


def validate_gstin(raw: str, *, state_code: str | None = None) -> str:
    """Return the GSTIN in capitals, or raise InvalidInput saying what is wrong with it."""
    gstin = raw.strip().upper()
    if not _GSTIN_SHAPE.match(gstin):
        raise InvalidInput(f"{raw!r} is not a GSTIN: expected 15 characters like 27AAAPA1234A1Z5.")
    if gstin[:2] not in STATE_CODES:
        raise InvalidInput(f"GSTIN {gstin} starts with {gstin[:2]}, which is not a GST state code.")
    if gstin_check_character(gstin[:14]) != gstin[14]:
        raise InvalidInput(f"GSTIN {gstin} fails its check character; please re-check it.")
    if state_code is not None and gstin[:2] != state_code:
        raise InvalidInput(f"GSTIN {gstin} is registered in state {gstin[:2]}, but the branch is in {state_code}.")
    return gstin


def validate_state_code(code: str) -> str:
    code = code.strip().zfill(2)
    if code not in STATE_CODES:
        raise InvalidInput(f"{code} is not a GST state code.")
    return code
