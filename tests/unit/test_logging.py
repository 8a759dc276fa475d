from __future__ import annotations

import json
import logging

from cazo.logging_config import JsonFormatter, RedactingFilter, redact
from domain.correlation import correlation_id


def test_phone_numbers_and_tokens_are_masked() -> None:
    text = redact("sent to +919820012345 and 9876543210 with Bearer EAAGm0PX4ZCpsBAKZC token=abc123")
    assert "9820012345" not in text and "9876543210" not in text
    assert "EAAGm0PX4ZCpsBAKZC" not in text and "abc123" not in text
    assert "+91******2345" in text


def test_a_json_line_carries_the_correlation_id_and_no_phone_number() -> None:
    record = logging.LogRecord("cazo.test", logging.INFO, __file__, 1, "booking for %s", ("+919820012345",), None)
    token = correlation_id.set("req-1234567890")
    try:
        assert RedactingFilter().filter(record)
    finally:
        correlation_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["correlation_id"] == "req-1234567890"
    assert line["msg"] == "booking for +91******2345"
    assert line["level"] == "info"
