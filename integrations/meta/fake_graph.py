"""A fake of the Graph API endpoints ``WhatsAppClient`` calls, in process, speaking Meta's wire format.

``POST /{version}/{phone_number_id}/messages`` (bearer token required) checks the body as Meta does
(``graph_checks``), answers ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}`` with a
fresh wamid, and records the message for its recipient; a body Meta would refuse gets Graph's error object with code
100. ``GET /{version}/{media_id}`` answers a media id's URL, type and size, and that URL serves the bytes to the same
token. ``fail_next`` makes the next sends answer an error (a 429 with 130429, a 400 with 131047 outside the window).

After accepting a message the fake posts Meta's delivery receipts for it (sent, then delivered, then read), signed
with the app secret, to a webhook URL: in a background task, so the send is answered first. The bot's messages and
the simulated customer's (``note_inbound``) are kept per customer, in memory and bounded, under one sequence
number, so a page or a command can ask for everything after the last one it saw.

``router`` serves the fake on any app whose ``state.fake_graph`` holds one (the development server mounts it at
``/dev/graph``; elsewhere it answers 404); ``FakeGraph.app()`` is a stand-alone app for ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from domain.phone import mask_phone
from integrations.meta.graph_checks import Refused, check_send
from integrations.meta.payloads import delivery_receipt, new_wamid, wa_id

log = logging.getLogger(__name__)

DEV_GRAPH_PREFIX = "/dev/graph"  # where the development server mounts the fake (cazo.settings names it too)
RECEIPTS = ("sent", "delivered", "read")
MAX_BODY = 1024 * 1024
_VERSION = re.compile(r"^v[0-9]{1,3}\.[0-9]{1,2}$")


def dev_graph_url(base_url: str) -> str:
    """The ``graph_url`` for ``WhatsAppClient`` that reaches the fake Graph API of the server at ``base_url``."""
    return base_url.rstrip("/") + DEV_GRAPH_PREFIX


def own_origin(request: Request) -> str:
    """This server's own address as the connection reached it (``scope["server"]``, not the Host header, which a
    caller chooses), with the app's root path: where a request to ourselves goes."""
    server = request.scope.get("server")
    if server and server[1] is not None:
        host, port = server
        host = f"[{host}]" if ":" in host else host
        return f"{request.url.scheme}://{host}:{port}{request.scope.get('root_path', '')}"
    return str(request.base_url).rstrip("/")


@dataclass(frozen=True, slots=True)
class GraphFailure:
    """An error the Graph API answers: HTTP status, Meta's code, title and details."""

    http_status: int
    code: int
    message: str
    details: str = ""
    retry_after: int | None = None

    def response(self) -> JSONResponse:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return graph_error(self.http_status, self.code, self.message, self.details, headers=headers)


THROTTLED = GraphFailure(429, 130429, "(#130429) Rate limit hit",
                         "Cloud API message throughput has been reached.")
WINDOW_CLOSED = GraphFailure(400, 131047, "(#131047) Re-engagement message",
                             "Message failed to send because more than 24 hours have passed since the customer "
                             "last replied to this number.")


def graph_error(status: int, code: int, message: str, details: str = "", *,
                headers: dict[str, str] | None = None) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "A" + secrets.token_urlsafe(15)}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return JSONResponse({"error": error}, status_code=status, headers=headers)


@dataclass(slots=True)
class Entry:
    """One message in a simulated conversation. ``message`` is the Cloud API message object: for ``out`` as the
    business sent it (without messaging_product, recipient_type and to), for ``in`` as the webhook carried it."""

    seq: int
    direction: Literal["in", "out"]
    wamid: str
    phone_number_id: str
    customer: str  # the customer's wa_id (digits)
    message: dict[str, Any]
    at: datetime
    status: str | None = None  # for ``out``: the last delivery state reported; None before the first

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "direction": self.direction, "wamid": self.wamid,
                "phone_number_id": self.phone_number_id, "customer": self.customer, "message": self.message,
                "at": self.at.isoformat(), "status": self.status}


@dataclass(slots=True)
class _Injected:
    failure: GraphFailure
    times: int
    to: str | None


@dataclass(frozen=True, slots=True)
class _Media:
    content: bytes
    mime_type: str


class FakeGraph:
    """The fake Graph API's state. ``token``: the only bearer token accepted (None: any). Receipts go to
    ``webhook_url`` (absolute, or a path on the server that received the send) signed with ``app_secret``; without
    either, states still advance but nothing is posted. ``webhook_transport`` carries those posts (tests:
    ``httpx.ASGITransport``)."""

    def __init__(self, *, token: str | None = None, app_secret: str | None = None, webhook_url: str | None = None,
                 webhook_transport: httpx.AsyncBaseTransport | None = None, receipts: tuple[str, ...] = RECEIPTS,
                 receipt_delay: float = 0.3, per_customer: int = 200, customers: int = 1000, media: int = 50,
                 clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.app_secret = app_secret
        self.webhook_url = webhook_url
        self.webhook_transport = webhook_transport
        self.receipts = receipts
        self.receipt_delay = receipt_delay
        self._per_customer = per_customer
        self._customers = customers
        self._media_limit = media
        self._clock = clock
        self._seq = 0
        self._conversations: OrderedDict[str, deque[Entry]] = OrderedDict()
        self._media: OrderedDict[str, _Media] = OrderedDict()
        self._failures: list[_Injected] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    # ---- what tests and the simulator ask ----------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._seq

    def sent(self, to: str | None = None) -> list[Entry]:
        """The messages the business sent, to one customer (E.164 or wa_id) or to everyone, oldest first."""
        chats = [self._conversations.get(wa_id(to), deque())] if to else list(self._conversations.values())
        return sorted((entry for chat in chats for entry in chat if entry.direction == "out"),
                      key=lambda entry: entry.seq)

    def conversation(self, customer: str, *, after: int = 0) -> list[Entry]:
        """Both sides of one customer's conversation after sequence number ``after``, oldest first."""
        return [entry for entry in self._conversations.get(wa_id(customer), ()) if entry.seq > after]

    def fail_next(self, failure: GraphFailure, *, times: int = 1, to: str | None = None) -> None:
        """Answer the next ``times`` sends (to ``to`` only, when given) with ``failure`` instead of accepting them."""
        self._failures.append(_Injected(failure, times, wa_id(to) if to else None))

    def add_media(self, content: bytes, mime_type: str, *, media_id: str | None = None) -> str:
        """Store a file as a customer's upload; its media id (as an inbound audio or image message names it)."""
        media_id = media_id or str(secrets.randbelow(9 * 10**15) + 10**15)
        self._media[media_id] = _Media(content, mime_type)
        while len(self._media) > self._media_limit:
            self._media.popitem(last=False)
        return media_id

    def note_inbound(self, phone_number_id: str, customer: str, message: dict[str, Any]) -> Entry:
        """Keep a message the simulated customer sent (the webhook's message object) in their conversation."""
        return self._keep("in", str(message.get("id") or new_wamid()), phone_number_id, wa_id(customer), message)

    async def drain(self) -> None:
        """Wait until every delivery receipt scheduled so far has been posted."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def app(self) -> FastAPI:
        """A stand-alone app serving this fake at the root: ``WhatsAppClient(..., graph_url="http://graph.test",
        transport=httpx.ASGITransport(app=fake.app()))``."""
        app = FastAPI(title="Fake Graph API", openapi_url=None, docs_url=None, redoc_url=None)
        app.state.fake_graph = self
        app.include_router(router)
        return app

    # ---- the wire ----------------------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> JSONResponse | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return graph_error(400, 2500, "An active access token must be used to query information about the "
                                          "current user.")
        if self.token is not None and not secrets.compare_digest(token.strip().encode(), self.token.encode()):
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        return None

    def _injected(self, to: str) -> GraphFailure | None:
        for injected in self._failures:
            if injected.to is None or injected.to == to:
                injected.times -= 1
                if injected.times <= 0:
                    self._failures.remove(injected)
                return injected.failure
        return None

    def _keep(self, direction: Literal["in", "out"], wamid: str, phone_number_id: str, customer: str,
              message: dict[str, Any]) -> Entry:
        self._seq += 1
        entry = Entry(self._seq, direction, wamid, phone_number_id, customer, message,
                      datetime.fromtimestamp(self._clock(), tz=UTC))
        chat = self._conversations.get(customer)
        if chat is None:
            chat = self._conversations[customer] = deque(maxlen=self._per_customer)
        self._conversations.move_to_end(customer)
        chat.append(entry)
        while len(self._conversations) > self._customers:
            self._conversations.popitem(last=False)
        return entry

    async def send(self, request: Request, version: str, phone_number_id: str) -> JSONResponse:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        if not _VERSION.match(version) or not phone_number_id.isdigit():
            return graph_error(400, 100, f"Unsupported post request. Object with ID '{phone_number_id[:40]}' does "
                                         "not exist, cannot be loaded due to missing permissions, or does not "
                                         "support this operation.")
        raw = await request.body()
        try:
            if len(raw) > MAX_BODY:
                raise Refused("the body is too large")
            body = json.loads(raw)
            to, kind = check_send(body)
        except (ValueError, Refused) as exc:
            details = str(exc) if isinstance(exc, Refused) else "the body is not JSON"
            return graph_error(400, 100, "(#100) Invalid parameter", details)
        failure = self._injected(to)
        if failure is not None:
            return failure.response()
        message = {key: value for key, value in body.items() if key not in ("messaging_product", "recipient_type",
                                                                              "to")}
        entry = self._keep("out", new_wamid(), phone_number_id, to, message)
        log.info("fake graph accepted a message", extra={"type": kind, "to": mask_phone(to), "wamid": entry.wamid})
        self._schedule_receipts(entry, own_origin(request))
        answer: dict[str, Any] = {"id": entry.wamid}
        if kind == "template":
            answer["message_status"] = "accepted"
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": to}],
                             "messages": [answer]})

    def media_info(self, request: Request, version: str, media_id: str) -> JSONResponse:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        media = self._media.get(media_id)
        if media is None or not _VERSION.match(version):
            return graph_error(400, 100, f"Unsupported get request. Object with ID '{media_id[:40]}' does not "
                                         "exist, cannot be loaded due to missing permissions, or does not support "
                                         "this operation.")
        url = str(request.url_for("fake_graph_media_content").include_query_params(mid=media_id))
        return JSONResponse({"messaging_product": "whatsapp", "url": url, "mime_type": media.mime_type,
                             "sha256": hashlib.sha256(media.content).hexdigest(),
                             "file_size": len(media.content), "id": media_id})

    def media_content(self, request: Request, media_id: str) -> Response:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        media = self._media.get(media_id)
        if media is None:
            return Response(status_code=404)
        return Response(media.content, media_type=media.mime_type)

    # ---- delivery receipts -------------------------------------------------------------------------------------

    def _schedule_receipts(self, entry: Entry, origin: str) -> None:
        if not self.receipts:
            return
        task = asyncio.create_task(self._report(entry, origin), name=f"fake-graph receipts {entry.wamid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, entry: Entry, origin: str) -> None:
        for state in self.receipts:
            await asyncio.sleep(self.receipt_delay)
            entry.status = state
            if self.webhook_url and self.app_secret:
                await self._post_receipt(entry, state, origin)

    async def _post_receipt(self, entry: Entry, state: str, origin: str) -> None:
        url = self.webhook_url or ""
        if url.startswith("/"):
            url = origin + url
        webhook = delivery_receipt(app_secret=self.app_secret or "", phone_number_id=entry.phone_number_id,
                                   wamid=entry.wamid, state=state, recipient=entry.customer,
                                   now=self._clock())
        if self._http is None:
            self._http = httpx.AsyncClient(transport=self.webhook_transport, timeout=10.0)
        try:
            answer = await self._http.post(url, content=webhook.body, headers=webhook.headers)
        except httpx.HTTPError as exc:
            log.warning("fake graph could not post a %s receipt: %s", state, type(exc).__name__,
                        extra={"wamid": entry.wamid})
            return
        if answer.status_code != 200:
            log.warning("fake graph's %s receipt was answered %s", state, answer.status_code,
                        extra={"wamid": entry.wamid})


# ---- the routes ----------------------------------------------------------------------------------------------


def current_graph(request: Request) -> FakeGraph:
    """The app's fake Graph API; 404 where it has none (outside development)."""
    graph = getattr(request.app.state, "fake_graph", None)
    if not isinstance(graph, FakeGraph):
        raise HTTPException(404, "Not Found")
    return graph


GraphDep = Annotated[FakeGraph, Depends(current_graph)]
router = APIRouter(include_in_schema=False)


# Declared before the two-segment media lookup, whose pattern it would otherwise match.
@router.get("/whatsapp_business/attachments/", name="fake_graph_media_content")
async def media_content(request: Request, graph: GraphDep, mid: str = "") -> Response:
    return graph.media_content(request, mid)


@router.post("/{version}/{phone_number_id}/messages")
async def send_message(request: Request, graph: GraphDep, version: str, phone_number_id: str) -> JSONResponse:
    return await graph.send(request, version, phone_number_id)


@router.get("/{version}/{media_id}")
async def media_info(request: Request, graph: GraphDep, version: str, media_id: str) -> JSONResponse:
    return graph.media_info(request, version, media_id)
