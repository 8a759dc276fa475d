"""The Graph API's errors, mapped at the boundary into one exception tree the rest of Cazo can branch on.

A failed Cloud API call answers ``{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"},
"fbtrace_id"}}``. Meta asks integrators to build on ``code`` (and ``details``), not on the message text, so the class
is picked by code. Codes and meanings: Meta's error-code reference
https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes (cited in
shared/research/conversational-ai.md sec. 7.4/7.6; checked against BSP copies of that table: innopaas, niswey,
carerix, useinvent) and the throughput page .../whatsapp/throughput for 130429.

``retryable`` says whether sending the same request again later can succeed; it does not mean "retry now": the
client itself retries only HTTP 429, 5xx and transport failures, and leaves later retries to the caller's queue.
"""

from __future__ import annotations

from typing import Any

# Throughput and rate limits: 4 "Too many API calls" (app), 80007 "Rate limit issues" (WABA), 130429 "Rate limit
# hit" (Cloud API throughput per number), 131056 "(Business Account, Consumer Account) pair rate limit hit".
THROTTLED = frozenset({4, 80007, 130429, 131056})
# 131047 "Re-engagement message": more than 24 hours since the customer last wrote; only a template may be sent.
WINDOW_CLOSED = frozenset({131047})
# 131026 "Message undeliverable" (not on WhatsApp, old app, not accepted the terms...), 131030 "Recipient phone
# number not in allowed list" (test numbers), 131021 "Recipient cannot be sender".
RECIPIENT = frozenset({131021, 131026, 131030})
# The 1320xx template family we map (all of 132000-132016): 132000 number of parameters does not match, 132001
# template does not exist (in that language, or not approved), 132005 translated text too long, 132007 format
# character policy violated, 132012 parameter format does not match, 132015 template paused, 132016 disabled.
TEMPLATE = range(132000, 132017)
# 190 "Access token has expired" (or invalidated), 0 "AuthException" (could not authenticate the app user).
AUTH = frozenset({0, 190})
# 1 "API Unknown", 2 "API Service" (temporary downtime or overload), 131000 "Something went wrong",
# 131016 "Service unavailable": worth trying again later.
TRANSIENT = frozenset({1, 2, 131000, 131016})


class WhatsAppError(Exception):
    """A Cloud API call that did not do what was asked. Carries Meta's fields; never the token or a full phone."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None,
                 details: str | None = None, fbtrace_id: str | None = None, http_status: int | None = None,
                 retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}" + (f"/{self.subcode}" if self.subcode is not None else ""))
        if self.details:
            parts.append(f"details={self.details}")
        if self.fbtrace_id:
            parts.append(f"fbtrace_id={self.fbtrace_id}")
        return " ".join(parts)


class WhatsAppThrottled(WhatsAppError):
    """A rate or throughput limit: the same message can go later, more slowly."""

    retryable = True


class WhatsAppWindowClosed(WhatsAppError):
    """Outside the 24-hour customer-service window: send an approved template instead."""


class WhatsAppRecipientError(WhatsAppError):
    """The recipient cannot get this message (not on WhatsApp, not allowed, invalid)."""


class WhatsAppTemplateError(WhatsAppError):
    """The template is missing, paused, disabled, or its parameters do not fit it."""


class WhatsAppAuthError(WhatsAppError):
    """The access token is expired, revoked or wrong: an operator must replace it."""


class WhatsAppTransportError(WhatsAppError):
    """No answer from Meta (connection failure or timeout) after the client's retries."""

    retryable = True


class WhatsAppMediaTooLarge(WhatsAppError):
    """A media file over the size cap, refused before its body was read."""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def error_class(code: int | None) -> type[WhatsAppError]:
    """The exception class for a Graph error code."""
    if code is None:
        return WhatsAppError
    if code in THROTTLED:
        return WhatsAppThrottled
    if code in WINDOW_CLOSED:
        return WhatsAppWindowClosed
    if code in RECIPIENT:
        return WhatsAppRecipientError
    if code in TEMPLATE:
        return WhatsAppTemplateError
    if code in AUTH:
        return WhatsAppAuthError
    return WhatsAppError


def from_response(status: int, body: Any) -> WhatsAppError:
    """The exception for a non-2xx Graph answer: ``body`` is its parsed JSON (anything, if it was not JSON)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return WhatsAppError(f"Graph API answered HTTP {status} without an error object", http_status=status,
                             retryable=status == 429 or status >= 500)
    code = _int(error.get("code"))
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else data if isinstance(data, str) else None
    cls = error_class(code)
    retryable: bool | None = None
    if cls is WhatsAppError:
        retryable = status == 429 or status >= 500 or code in TRANSIENT
    trace = error.get("fbtrace_id")
    return cls(str(error.get("message") or f"Graph API error (HTTP {status})"), code=code,
               subcode=_int(error.get("error_subcode")), details=str(details) if details is not None else None,
               fbtrace_id=str(trace) if trace is not None else None, http_status=status, retryable=retryable)
