"""Phone numbers: normalised once, at the edge, to E.164 (``+919820012345``)."""

from __future__ import annotations

import re

import phonenumbers

from domain.errors import InvalidInput

E164_PATTERN = re.compile(r"^\+[1-9][0-9]{7,14}$")


def normalise_phone(raw: str, default_region: str = "IN") -> str:
    """Return the E.164 form of ``raw`` or raise InvalidInput. Indian numbers may omit +91 or carry a 0."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("A phone number is required.")
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{mask_phone(text)} is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(f"{mask_phone(text)} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """Keep the country code and the last four digits: ``+91******2345``. For logs and error messages."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    prefix = "+" + digits[:2] if phone.strip().startswith("+") else ""
    hidden = len(digits) - 4 - (2 if prefix else 0)
    return f"{prefix}{'*' * max(hidden, 0)}{digits[-4:]}"
