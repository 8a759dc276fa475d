"""WhatsApp templates stay in step with their parameters; ratings are read only where a rating was written; the
new interactive ids (add-on, reminder, rating) are read by the rules and malformed ones are not."""

from __future__ import annotations

import uuid

import pytest

from agents.intents import Intent
from agents.rules import match_payload
from agents.slots.rating import read_rating
from domain.models import MessageKind
from prompts.templates import META_LANGUAGES, body_params, declared, template_call


def test_every_template_numbers_its_parameters_one_to_n_in_every_language() -> None:
    names = set()
    for kind, spec in declared().items():
        assert kind in {k.value for k in MessageKind}, kind
        assert spec["category"] in ("UTILITY", "MARKETING")
        assert set(spec["body"]) == set(META_LANGUAGES)
        for language, body in spec["body"].items():
            assert body_params(body) == list(range(1, len(spec["params"]) + 1)), (kind, language)
        names.add(spec["name"])
    assert len(names) == len(declared())
    assert declared()["rebook_prompt"]["category"] == "MARKETING"  # promotional: Meta bills and reviews it so


def test_a_template_call_fills_the_parameters_in_order_and_refuses_a_missing_value() -> None:
    values = {"service": "Beard trim", "staff": "Imran", "day": "Fri 27 Nov", "time": "5:30 pm", "branch": "Bandra"}
    assert template_call("reminder_day_before", "hinglish", values) == {
        "name": "cazo_reminder_day_before", "language": "en",
        "params": ["Beard trim", "Imran", "Fri 27 Nov", "5:30 pm", "Bandra"]}
    assert template_call("reminder_soon", "hi", values)["language"] == "hi"
    with pytest.raises(ValueError, match="needs staff"):
        template_call("reminder_soon", "en", {"service": "x", "time": "y", "branch": "z"})
    with pytest.raises(ValueError, match="no WhatsApp template"):
        template_call("abandoned_booking", "en", values)  # sent only inside the window


@pytest.mark.parametrize(("text", "rating"), [
    ("5 stars", 5), ("4/5, lovely", 4), ("⭐⭐⭐", 3), ("rating 2", 2), ("1", 1), ("3 स्टार", 3), ("4 out of 5", 4),
    ("2 haircuts kal", None), ("8/10", None), ("the haircut was great", None), ("6 stars", None), ("kal 5 baje", None),
])
def test_a_rating_is_read_only_where_one_was_written(text: str, rating: int | None) -> None:
    assert read_rating(text) == rating


def test_the_add_on_reminder_and_rating_ids_are_read_and_malformed_ones_are_not() -> None:
    booking = str(uuid.uuid4())
    rated = match_payload(f"rate:{booking}:4")
    assert rated is not None and rated.intent == Intent.feedback
    assert (rated.slots["appointment_id"], rated.slots["rating"]) == (booking, 4)
    added = match_payload(f"add:{booking}")
    assert added is not None and added.intent == Intent.book and added.slots["add_service_id"] == booking
    coming = match_payload(f"coming:{booking}")
    assert coming is not None and coming.intent == Intent.thanks
    for bad in (f"rate:{booking}:6", f"rate:{booking}:0", f"rate:{booking}", "rate:nope:3", "add:nope"):
        assert match_payload(bad) is None, bad
