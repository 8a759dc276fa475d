"""Recorded model responses ("cassettes") for eval runs: the L2 LLM router, L3 and the L3 tool agent.

A cassette is an httpx transport under the openai client, so what is recorded and replayed is the real wire format.
Each request is keyed by the model and the whole request body except the system prompt's text (the customer's
message, its context, the tools, the sampling settings); the entry also keeps which prompt it was recorded with
(its group in ``prompts.registry`` and that group's hash). On a request:

- an entry with this key and the current prompt hash: replayed (a *hit*);
- an entry with this key but another prompt hash: *stale* (recorded with a prompt that has changed since);
- no usable entry and an endpoint configured: the request goes to the endpoint and the answer is recorded;
- no usable entry and no endpoint: *missing*; the transport refuses it like a server that cannot be reached, so the
  pipeline treats that model as unavailable (as in production) and the run reports how often that happened.

Files live in ``evals/cassettes/<prompt>--<model>.jsonl``, one entry per line, sorted by key so a re-recording
diffs cleanly. Commit them with the baseline they produced.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

CASSETTES_DIR = Path(__file__).resolve().parent / "cassettes"


class NoCassette(httpx.ConnectError):
    """No recorded response for this request and no endpoint to record one from."""


def request_key(body: dict[str, Any]) -> str:
    """The request without the system prompt's words (the prompt hash covers them), as a stable digest."""
    messages = [{"role": "system"} if m.get("role") == "system" else m for m in body.get("messages") or []]
    canonical = json.dumps({**body, "messages": messages}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_") or "model"


@dataclass
class CassetteStats:
    hits: int = 0
    recorded: int = 0
    stale: int = 0
    missing: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Cassette(httpx.AsyncBaseTransport):
    """The recorded calls of one prompt group against one model. ``upstream`` is the transport to the real
    endpoint (record mode) or None (replay only)."""

    prompt: str
    prompt_hash: str
    model: str
    upstream: httpx.AsyncBaseTransport | None = None
    directory: Path = CASSETTES_DIR
    stats: CassetteStats = field(default_factory=CassetteStats)
    _entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    _dirty: bool = False
    _loaded: bool = False

    @property
    def path(self) -> Path:
        return self.directory / f"{self.prompt}--{_slug(self.model)}.jsonl"

    def load(self) -> Cassette:
        if not self._loaded:
            self._loaded = True
            if self.path.exists():
                for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                        self._entries[str(entry["key"])] = entry
                    except (ValueError, KeyError, TypeError) as exc:
                        raise ValueError(f"{self.path}:{number}: not a cassette entry: {exc}") from None
        return self

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.load()
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = {}
        key = request_key(body) + ":" + request.url.path.rsplit("/", 2)[-1]
        entry = self._entries.get(key)
        if entry is not None and entry.get("prompt_hash") == self.prompt_hash:
            self.stats.hits += 1
            self._count(entry["response"])
            return httpx.Response(int(entry.get("status", 200)), json=entry["response"], request=request)
        if entry is not None:
            self.stats.stale += 1
        if self.upstream is None:
            self.stats.missing += 1
            raise NoCassette(f"no recorded {self.prompt} response for this request and no {self.model} endpoint to "
                             "record one from", request=request)
        response = await self.upstream.handle_async_request(request)
        content = await response.aread()
        if response.status_code == 200:
            data = json.loads(content)
            self._entries[key] = {"key": key, "model": self.model, "prompt": self.prompt,
                                  "prompt_hash": self.prompt_hash, "recorded_at": datetime.now(UTC).isoformat(),
                                  "request": body, "response": data}
            self._dirty = True
            self.stats.recorded += 1
            self._count(data)
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def _count(self, response: dict[str, Any]) -> None:
        usage = response.get("usage") or {}
        self.stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.stats.completion_tokens += int(usage.get("completion_tokens") or 0)

    def save(self) -> bool:
        """Write the file when something was recorded; entries sorted by key. True when written."""
        if not self._dirty:
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(self._entries[k], ensure_ascii=False, sort_keys=True) for k in sorted(self._entries)]
        temporary = self.path.with_suffix(".jsonl.tmp")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(self.path)
        self._dirty = False
        return True

    async def aclose(self) -> None:
        if self.upstream is not None:
            await self.upstream.aclose()
