"""The outbound half of the WhatsApp Cloud API: send messages and templates, download media.

``POST {graph}/{version}/{phone_number_id}/messages`` with a bearer token sends; the answer's ``messages[0].id`` is
the wamid the status webhooks will name. ``to`` is sent as the E.164 string with its ``+``: Meta's send-message guide
("Phone number formats", https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages) accepts a
``+`` and recommends it, because a number without one may be read with the business number's country code; a
``wa_id`` from the webhook (digits only) is accepted as well and passed through unchanged.

Retries: HTTP 429, 5xx and transport failures (connect/read timeouts, refused connections) are tried again with
exponential backoff and full jitter, at most ``max_attempts`` times and within ``max_elapsed`` seconds; a
Retry-After header is honoured when it fits in that budget. Other 4xx answers are final: retrying a closed window or
a bad template sends nothing. The Cloud API has no idempotency key, so a send retried after a read timeout may reach
the customer twice; a lost reply is judged worse than a rare duplicate. Logs carry paths, codes and masked phones;
never the token.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from domain.phone import mask_phone
from integrations.meta.errors import (
    WhatsAppError,
    WhatsAppMediaTooLarge,
    WhatsAppTransportError,
    from_response,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

MEDIA_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's cap for audio/video; images are smaller, documents go to 100 MB
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=5.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_elapsed: float = 20.0  # seconds from the first attempt; a webhook worker should not hang longer

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


class _Retry(Exception):
    """One failed attempt worth another: the error to raise if it was the last, and Meta's Retry-After."""

    def __init__(self, error: WhatsAppError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds to wait: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def template_message(template: dict[str, Any]) -> dict[str, Any]:
    """The Cloud API template object for ``{"name", "language", "params"}`` (prompts.templates.template_call)."""
    body: dict[str, Any] = {"name": template["name"], "language": {"code": template["language"]}}
    params = template.get("params") or []
    if params:
        body["components"] = [{"type": "body",
                               "parameters": [{"type": "text", "text": str(value)} for value in params]}]
    return {"type": "template", "template": body}


class WhatsAppClient:
    """An async Cloud API client over httpx; pass ``transport`` (httpx.MockTransport) to test without a network."""

    def __init__(self, token: str, *, graph_url: str = "https://graph.facebook.com", version: str = "v21.0",
                 transport: httpx.AsyncBaseTransport | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = RetryPolicy(), media_max_bytes: int = MEDIA_MAX_BYTES,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not token:
            raise ValueError("a WhatsApp access token is required")
        self._token = token
        self._scheme = httpx.URL(graph_url).scheme  # media URLs must be https (or the test graph's scheme)
        self._base = f"{graph_url.rstrip('/')}/{version.strip('/')}"
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)
        self._retry = retry
        self._media_max = media_max_bytes
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock

    def __repr__(self) -> str:
        return f"WhatsAppClient({self._base!r})"

    async def __aenter__(self) -> WhatsAppClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- sending ------------------------------------------------------------------------------------------------

    async def send(self, phone_number_id: str, to: str, message: dict[str, Any]) -> str:
        """Send one message object (tools.replies.to_whatsapp) to ``to``; the wamid Meta gave it."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        url = f"{self._base}/{phone_number_id}/messages"

        async def attempt() -> str:
            response = await self._attempt("POST", url, json=payload)
            return self._wamid(response)

        try:
            wamid = await self._retrying(attempt, what=f"send {message.get('type', '?')}")
        except WhatsAppError as error:
            log.warning("whatsapp send failed", extra={"to": mask_phone(to), "code": error.code,
                                                       "fbtrace_id": error.fbtrace_id, "error": type(error).__name__})
            raise
        log.info("whatsapp sent", extra={"to": mask_phone(to), "wamid": wamid})
        return wamid

    async def send_template(self, phone_number_id: str, to: str, template: dict[str, Any]) -> str:
        """Send an approved template, ``{"name", "language", "params"}``; the wamid."""
        return await self.send(phone_number_id, to, template_message(template))

    @staticmethod
    def _wamid(response: httpx.Response) -> str:
        try:
            wamid = response.json()["messages"][0]["id"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise WhatsAppError("Graph API accepted the message but named no message id",
                                http_status=response.status_code) from exc
        if not isinstance(wamid, str) or not wamid:
            raise WhatsAppError("Graph API returned an empty message id", http_status=response.status_code)
        return wamid

    # ---- media --------------------------------------------------------------------------------------------------

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of an inbound media id: look up its short-lived URL, then fetch it with the
        token. A file over the cap is refused from its declared size, before its body is read."""

        async def lookup() -> dict[str, Any]:
            response = await self._attempt("GET", f"{self._base}/{media_id}")
            try:
                info = response.json()
            except ValueError as exc:
                raise WhatsAppError("media lookup answered no JSON", http_status=response.status_code) from exc
            if not isinstance(info, dict) or not isinstance(info.get("url"), str):
                raise WhatsAppError("media lookup named no URL", http_status=response.status_code)
            return info

        info = await self._retrying(lookup, what="media lookup")
        declared = info.get("file_size")
        if isinstance(declared, int) and declared > self._media_max:
            raise WhatsAppMediaTooLarge(f"media is {declared} bytes; the cap is {self._media_max}")
        url = info["url"]
        if httpx.URL(url).scheme not in {"https", self._scheme}:
            raise WhatsAppError("media URL is not https; the token is not sent to it")
        mime = str(info.get("mime_type") or "application/octet-stream")
        content = await self._retrying(lambda: self._fetch_capped(url), what="media download")
        return content, mime

    async def _fetch_capped(self, url: str) -> bytes:
        try:
            async with self._http.stream("GET", url, headers=self._headers()) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self._raise_for(response)
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > self._media_max:
                    raise WhatsAppMediaTooLarge(f"media is {length} bytes; the cap is {self._media_max}",
                                                http_status=response.status_code)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._media_max:  # a missing or lying Content-Length
                        raise WhatsAppMediaTooLarge(f"media passed the {self._media_max}-byte cap",
                                                    http_status=response.status_code)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as exc:
            raise _Retry(WhatsAppTransportError(f"media download failed: {type(exc).__name__}"), None) from exc

    # ---- one attempt and the retry loop -------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def _attempt(self, method: str, url: str, *, json: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = await self._http.request(method, url, json=json, headers=self._headers())
        except httpx.TransportError as exc:
            raise _Retry(WhatsAppTransportError(f"Graph API unreachable: {type(exc).__name__}"), None) from exc
        if response.status_code >= 400:
            self._raise_for(response)
        return response

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        error = from_response(response.status_code, body)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(error, retry_after_seconds(response.headers.get("Retry-After")))
        raise error

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], *, what: str) -> T:
        policy = self._retry
        started = self._clock()
        for number in range(1, policy.max_attempts + 1):
            try:
                return await attempt()
            except _Retry as failed:
                if number == policy.max_attempts:
                    raise failed.error from failed.__cause__
                backoff = self._jitter() * min(policy.max_delay, policy.base_delay * 2 ** (number - 1))
                delay = failed.retry_after if failed.retry_after is not None else backoff
                if self._clock() - started + delay > policy.max_elapsed:
                    raise failed.error from failed.__cause__
                log.warning("whatsapp %s retrying", what, extra={
                    "attempt": number, "delay_s": round(delay, 3), "status": failed.error.http_status,
                    "code": failed.error.code, "error": type(failed.error).__name__})
                await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
