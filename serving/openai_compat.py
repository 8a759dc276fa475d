"""Clients for any server that speaks the OpenAI chat-completions API: vLLM on our own GPU, or OpenAI itself.

One small dataclass says where a model lives (:class:`ChatEndpoint`); :func:`make_async_client` turns it into an
``openai.AsyncOpenAI`` when the composition root asks, never at import time. The client gets an explicit base URL
and key, so a stray ``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` in the environment cannot redirect it, and few
retries: a router that cannot answer quickly should step aside (the pipeline escalates), not keep a customer waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from openai import AsyncOpenAI

OPENAI_BASE_URL = "https://api.openai.com/v1"
# vLLM started without --api-key accepts any bearer token; the client still insists on sending one.
NO_KEY = "EMPTY"
DEFAULT_MAX_RETRIES = 1


@dataclass(frozen=True, slots=True)
class ChatEndpoint:
    """Where a chat model is served: base URL (``None`` means OpenAI), the model name it serves, key and timeout.

    ``base_url`` ends in ``/v1`` for vLLM (``http://gpu:8001/v1``). ``api_key`` is ``None`` for a vLLM started without
    ``--api-key``; it is kept out of ``repr`` so a logged endpoint never shows it.
    """

    base_url: str | None
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 20.0
    organization: str | None = None

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if not self.model:
            raise ValueError("a chat endpoint needs a model name")

    @property
    def url(self) -> str:
        """The base URL the client will call (OpenAI's when none was given)."""
        return (self.base_url or OPENAI_BASE_URL).rstrip("/")


def make_async_client(endpoint: ChatEndpoint, *, max_retries: int = DEFAULT_MAX_RETRIES,
                      http_client: httpx.AsyncClient | None = None) -> AsyncOpenAI:
    """An ``AsyncOpenAI`` for ``endpoint``. ``http_client`` is the seam for tests (a transport or a local server).

    ``max_retries`` counts retries after the first try; the openai client retries connection errors, timeouts, 408,
    409, 429 and 5xx, with backoff (or as the server's ``retry-after`` says).
    """
    if max_retries < 0:
        raise ValueError("max_retries cannot be negative")
    return AsyncOpenAI(
        api_key=endpoint.api_key or NO_KEY,
        organization=endpoint.organization,
        base_url=endpoint.url,
        timeout=endpoint.timeout_s,
        max_retries=max_retries,
        http_client=http_client,
    )
