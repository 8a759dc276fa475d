"""A fake OpenAI-compatible server (what vLLM and OpenAI both speak) on a real local port, for tests.

``POST /v1/chat/completions`` answers with the real wire format: ``chat.completion`` objects with
``choices[0].message``, ``finish_reason``, ``usage`` and, when scripted, ``choices[0].logprobs.content`` (one entry
per token: ``token``, ``logprob``, ``bytes``, ``top_logprobs``). Replies are scripted per test (a queue, or a
function of the request), and every request is recorded (path, headers, JSON body) so tests can check what the
client sent. It can also answer with an HTTP error, a body that is not JSON, a slow reply (for timeouts), or no
logprobs.

``POST /v1/audio/transcriptions`` takes the multipart upload OpenAI's audio API takes (``file``, ``model``,
``language``, ``response_format``, ...) and answers ``{"text": ...}`` (``verbose_json``: with ``language``,
``duration`` and ``segments``). Its answers have their own queue (``enqueue_transcription``); the recorded body is
the form's fields plus ``file`` as ``{"filename", "content_type", "size"}``.

It runs uvicorn in a background thread on 127.0.0.1 and a free port, so the real ``openai`` client is exercised over
TCP; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_LOGPROB = -0.0001  # a token the model was sure of
SLOT_NAMES = ("date", "time", "services", "staff", "coupon")


@dataclass(frozen=True)
class Token:
    """One generated token: its text, its logprob, and other candidates at that position (text, logprob)."""

    text: str
    logprob: float = DEFAULT_LOGPROB
    top: tuple[tuple[str, float], ...] = ()


@dataclass
class Reply:
    """What the server does with one request.

    ``tokens`` None means the response carries ``"logprobs": null`` (a server that ignores the request for them).
    ``raw_body`` is sent as-is instead of a completion (with ``content_type``); ``status`` other than 200 sends an
    OpenAI-style error object unless ``raw_body`` is given. ``delay_s`` waits before answering.
    """

    content: str | None = None
    tokens: list[Token] | None = None
    finish_reason: str = "stop"
    status: int = 200
    raw_body: str | None = None
    content_type: str = "application/json"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name": ..., "arguments": {...}}]
    language: str = "hindi"  # a transcription's language and length (verbose_json only)
    duration_s: float = 3.2


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


_PIECES = re.compile(r' ?"?[A-Za-z]+| ?\d{1,3}|\s+|[^\sA-Za-z\d]')


def tokenise(text: str) -> list[str]:
    """Split text into pieces shaped like a BPE tokenizer's (``"intent``, `` "book``, ``_``, ``202``)."""
    pieces = _PIECES.findall(text)
    assert "".join(pieces) == text, "the fake tokeniser must cover every character"
    return pieces


def content_tokens(content: str, logprob: float = DEFAULT_LOGPROB) -> list[Token]:
    return [Token(piece, logprob) for piece in tokenise(content)]


def router_content(intent: str, **slots: Any) -> str:
    """The JSON a router model returns: the intent first, then every slot (null when not given)."""
    return json.dumps({"intent": intent, "slots": {name: slots.get(name) for name in SLOT_NAMES}},
                      ensure_ascii=False)


def router_reply(intent: str, *, intent_logprobs: Sequence[float] = (-0.01,),
                 alternatives: Mapping[str, float] | None = None, drop_spaces: bool = False,
                 **slots: Any) -> Reply:
    """A scripted router answer whose intent value is spelled by ``len(intent_logprobs)`` tokens with those logprobs.

    The first intent token carries the space and opening quote (`` "bo``), as real tokenizers often do; its
    ``top_logprobs`` hold the chosen token and one candidate `` "<text>`` per entry of ``alternatives`` (candidate
    text after the quote -> logprob). ``drop_spaces`` strips leading spaces from token texts, as some servers do
    when they decode each token alone.
    """
    content = router_content(intent, **slots)
    prefix = '{"intent": '
    assert content.startswith(prefix + '"' + intent + '"')
    count = len(intent_logprobs)
    size = -(-len(intent) // count)
    parts = [intent[i * size:(i + 1) * size] for i in range(count)]
    assert all(parts), "more intent tokens than letters"
    tokens = [Token(piece) for piece in tokenise(prefix[:-1])]  # up to the colon; the space goes with the quote
    top = tuple((' "' + text, logprob) for text, logprob in (alternatives or {}).items())
    tokens.append(Token(' "' + parts[0], intent_logprobs[0], top))
    tokens.extend(Token(part, logprob) for part, logprob in zip(parts[1:], intent_logprobs[1:], strict=True))
    tokens.extend(content_tokens(content[len(prefix) + 1 + len(intent):]))
    assert "".join(token.text for token in tokens) == content
    if drop_spaces:
        tokens = [Token(t.text.lstrip(" "), t.logprob, tuple((c.lstrip(" "), lp) for c, lp in t.top))
                  for t in tokens]
    return Reply(content=content, tokens=tokens)


def _logprob_entry(text: str, logprob: float) -> dict[str, Any]:
    return {"token": text, "logprob": logprob, "bytes": list(text.encode("utf-8"))}


def completion_body(reply: Reply, model: str, top_logprobs: int, number: int) -> dict[str, Any]:
    """A ``chat.completion`` object as OpenAI and vLLM send it."""
    logprobs: dict[str, Any] | None = None
    if reply.tokens is not None:
        entries = []
        for token in reply.tokens:
            candidates = sorted([(token.text, token.logprob), *token.top], key=lambda item: -item[1])
            entries.append({**_logprob_entry(token.text, token.logprob),
                            "top_logprobs": [_logprob_entry(t, lp) for t, lp in candidates[:top_logprobs]]})
        logprobs = {"content": entries, "refusal": None}
    completion_tokens = len(reply.tokens) if reply.tokens is not None else len(tokenise(reply.content or ""))
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal,
                        "tool_calls": [{"id": f"call_{number}_{i}", "type": "function",
                                        "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}
                                       for i, call in enumerate(reply.tool_calls)]},
            "logprobs": logprobs,
            "finish_reason": reply.finish_reason,
        }],
        "usage": {"prompt_tokens": 321, "completion_tokens": completion_tokens,
                  "total_tokens": 321 + completion_tokens},
    }


def _error_body(status: int, message: str = "") -> dict[str, Any]:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message or f"scripted failure {status}", "type": kind, "param": None, "code": None}}


def multipart_form(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as ``{field: text}``, files as ``{"filename", "content_type", "size"}``."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            form[str(name)] = {"filename": filename, "content_type": part.get_content_type(), "size": len(data)}
        else:
            form[str(name)] = data.decode("utf-8")
    return form


def transcription_body(reply: Reply, response_format: str) -> dict[str, Any]:
    """A transcription as OpenAI sends it: ``{"text"}``, or for ``verbose_json`` with language, duration, segments."""
    text = reply.content or ""
    if response_format != "verbose_json":
        return {"text": text, "usage": {"type": "duration", "seconds": round(reply.duration_s)}}
    return {"task": "transcribe", "language": reply.language, "duration": reply.duration_s, "text": text,
            "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": reply.duration_s, "text": text, "tokens": [],
                          "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.0,
                          "no_speech_prob": 0.01}]}


class FakeOpenAI:
    """The server. Use as a context manager; ``base_url`` ends in ``/v1`` like vLLM's.

    ``enqueue(reply, ...)`` scripts the next answers in order; when the queue is empty, ``handler(body)`` (if set)
    makes one; otherwise the server answers 500 "no scripted reply".
    """

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.transcriptions: deque[Reply] = deque()
        self.requests: list[RecordedRequest] = []
        self.handler: Callable[[Any], Reply] | None = None
        self._numbers = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- scripting ---------------------------------------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def enqueue_transcription(self, *replies: Reply) -> None:
        """The next answers of /v1/audio/transcriptions: ``content`` is the text heard."""
        self.transcriptions.extend(replies)

    def reset(self) -> None:
        self.replies.clear()
        self.transcriptions.clear()
        self.requests.clear()
        self.handler = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def last_body(self) -> Any:
        return self.requests[-1].body

    # -- the app -----------------------------------------------------------------------------------------------------
    async def _chat_completions(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        self.requests.append(RecordedRequest(request.method, request.url.path,
                                             {k.lower(): v for k, v in request.headers.items()}, body))
        if self.replies:
            reply = self.replies.popleft()
        elif self.handler is not None:
            reply = self.handler(body)
        else:
            return JSONResponse(_error_body(500, "no scripted reply"), status_code=500)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.raw_body is not None:
            return Response(reply.raw_body, status_code=reply.status, media_type=reply.content_type,
                            headers=reply.headers)
        if reply.status != 200:
            return JSONResponse(_error_body(reply.status), status_code=reply.status, headers=reply.headers)
        model = body.get("model", "fake-model") if isinstance(body, dict) else "fake-model"
        top = int(body.get("top_logprobs") or 0) if isinstance(body, dict) else 0
        return JSONResponse(completion_body(reply, model, top, next(self._numbers)), headers=reply.headers)

    async def _transcriptions(self, request: Request) -> Response:
        raw = await request.body()
        try:
            form: Any = multipart_form(request.headers.get("content-type", ""), raw)
        except (ValueError, UnicodeDecodeError):
            form = None
        self.requests.append(RecordedRequest(request.method, request.url.path,
                                             {k.lower(): v for k, v in request.headers.items()}, form))
        if not isinstance(form, dict) or "file" not in form or "model" not in form:
            return JSONResponse(_error_body(400, "file and model are required"), status_code=400)
        if not self.transcriptions:
            return JSONResponse(_error_body(500, "no scripted transcription"), status_code=500)
        reply = self.transcriptions.popleft()
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.raw_body is not None:
            return Response(reply.raw_body, status_code=reply.status, media_type=reply.content_type,
                            headers=reply.headers)
        if reply.status != 200:
            return JSONResponse(_error_body(reply.status), status_code=reply.status, headers=reply.headers)
        return JSONResponse(transcription_body(reply, str(form.get("response_format") or "json")),
                            headers=reply.headers)

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "fake-model", "object": "model", "created": 0,
                                                         "owned_by": "cazo-tests"}]})

    def _app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                                 Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
                                 Route("/v1/models", self._models, methods=["GET"])])

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="fake-openai")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
