"""Services, staff and coupon codes found in a message, against one salon's own catalog."""

from __future__ import annotations

import pytest

from agents.slots.catalog import CatalogIndex

SALON = CatalogIndex(
    services=(
        ("m", "Men's haircut", ("gents haircut", "cutting", "baal katwana", "बाल कटवाना")),
        ("w", "Women's haircut", ("ladies haircut", "layer cut")),
        ("k", "Kids' haircut", ("kids haircut",)),
        ("b", "Beard trim", ("beard", "dadhi", "दाढ़ी")),
        ("c", "Haircut and beard combo", ("haircut beard combo", "cutting aur dadhi")),
        ("s", "Hair spa", ("spa", "हेयर स्पा")),
        ("u", "Clean-up", ("cleanup", "face clean up")),
        ("p", "Pedicure", ("pedi", "पेडीक्योर")),
        ("f", "Hydrating facial", ("facial", "फेशियल")),
    ),
    staff=(("r", "Rahul Kapoor"), ("i", "Imran Shaikh"), ("a", "Ananya Deshmukh")),
)


def names(text: str, index: CatalogIndex = SALON) -> list[str | None]:
    return [m.service.name if m.service else None for m in index.match_services(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gents haircut kal 5 baje", ["Men's haircut"]),
        ("bhaiya parso beard trim ka slot", ["Beard trim"]),
        ("cutting aur dadhi dono", ["Haircut and beard combo"]),
        ("mujhe हेयर स्पा karwana hai", ["Hair spa"]),
        ("kal clean up karwana hai", ["Clean-up"]),
        ("cleanup and pedi please", ["Clean-up", "Pedicure"]),
        ("फेशियल कितने का है", ["Hydrating facial"]),
        ("hiar spa and pedicre", ["Hair spa", "Pedicure"]),
    ],
)
def test_services_are_found_by_name_alias_script_or_one_typo(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_the_longest_alias_wins_over_the_words_inside_it() -> None:
    assert names("haircut beard combo chahiye") == ["Haircut and beard combo"]


def test_a_generic_word_that_fits_several_services_is_left_open_with_its_candidates() -> None:
    [mention] = SALON.match_services("kal shaam haircut book kar do")
    assert mention.service is None and mention.text == "haircut"
    assert {c.name for c in mention.candidates} == {"Men's haircut", "Women's haircut", "Kids' haircut"}
    assert mention.as_dict()["id"] is None and len(mention.as_dict()["candidates"]) == 3  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["kal 5 baje aaunga", "what are your timings", "hair", "mera number save karo"])
def test_messages_without_a_service_find_none(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Rahul ke saath haircut", "Rahul Kapoor"), ("book with imran", "Imran Shaikh"),
     ("Anaya se facial", "Ananya Deshmukh"), ("राहुल फ्री है?", "Rahul Kapoor")],
)
def test_staff_are_found_by_first_name_in_any_script_forgiving_one_typo(text: str, expected: str) -> None:
    found = SALON.match_staff(text)
    assert found is not None and found.name == expected


def test_a_message_naming_no_stylist_finds_none() -> None:
    assert SALON.match_staff("haircut kal 5 baje") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("I have a coupon code GLOW20, can I use it?", "GLOW20"), ("promo code: diwali25", "DIWALI25"),
     ("FIRST50 lagao", "FIRST50"), ("code hai mere paas", None), ("kal 5 baje", None)],
)
def test_a_coupon_code_is_read_when_the_salon_lists_none(text: str, code: str | None) -> None:
    assert SALON.match_coupon(text) == code


def test_with_its_own_codes_a_salon_accepts_only_those() -> None:
    salon = CatalogIndex(services=(), staff=(), coupons=("GLOW20",))
    assert salon.match_coupon("use glow20 please") == "GLOW20"
    assert salon.match_coupon("use FIRST50 please") is None
