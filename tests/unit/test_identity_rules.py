from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.gst import gstin_check_character, validate_gstin
from domain.phone import mask_phone, normalise_phone

VALID_GSTIN = "27AAPFU0939F1ZV"  # a published sample GSTIN for Maharashtra


@pytest.mark.parametrize("raw", ["9820012345", "+91 98200 12345", "09820012345", "+919820012345", "098200-12345"])
def test_indian_mobile_numbers_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+919820012345"


def test_a_foreign_number_keeps_its_country() -> None:
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "12345", "not a phone", "+91 12345"])
def test_junk_is_not_a_phone_number(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_masking_keeps_only_the_country_code_and_last_four_digits() -> None:
    assert mask_phone("+919820012345") == "+91******2345"


def test_a_valid_gstin_passes_and_is_upper_cased() -> None:
    assert validate_gstin(VALID_GSTIN.lower(), state_code="27") == VALID_GSTIN


def test_the_check_character_is_computed_from_the_first_fourteen() -> None:
    assert gstin_check_character(VALID_GSTIN[:14]) == VALID_GSTIN[14]


def test_a_mistyped_gstin_fails_its_check_character() -> None:
    with pytest.raises(InvalidInput, match="check character"):
        validate_gstin(VALID_GSTIN[:14] + "A")


def test_a_gstin_from_another_state_is_refused_for_the_branch() -> None:
    with pytest.raises(InvalidInput, match="registered in state 27"):
        validate_gstin(VALID_GSTIN, state_code="29")
