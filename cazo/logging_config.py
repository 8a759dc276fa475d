"""Structured logging: one JSON object per line when not on a TTY, readable lines on one.

Every record carries the correlation id (request or conversation). Phone numbers, bearer tokens and OTPs are
masked before a record is written, whatever the code that logged them passed in.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from domain.correlation import correlation_id
from domain.phone import mask_phone

_PHONE = re.compile(r"(?<![\w+])\+?(?:91)?[6-9]\d{9}\b|\+[1-9]\d{7,14}\b")
_BEARER = re.compile(r"(?i)(bearer\s+|token[=:]\s*|secret[=:]\s*|password[=:]\s*|otp[=:]\s*)([^\s,;&\"']+)")
# Attributes every record has, plus uvicorn's ANSI-coloured copy of the message.
_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}


def redact(text: str) -> str:
    text = _BEARER.sub(lambda match: match.group(1) + "[redacted]", text)
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        record.correlation_id = correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if rid := getattr(record, "correlation_id", None):
            payload["correlation_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "correlation_id" and not key.startswith("_"):
                payload[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        rid = getattr(record, "correlation_id", None)
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}" + (f" [{rid}]" if rid else "")
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) through one handler on stderr."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel("WARNING")
