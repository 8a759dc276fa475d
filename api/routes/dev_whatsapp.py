"""The local WhatsApp simulator, served in development and test only: a phone-like chat page at ``/dev/whatsapp``
and the fake Graph API at ``/dev/graph`` (``integrations.meta.fake_graph``). Elsewhere every path here is a 404.

What the page sends goes the way Meta's would: ``POST /dev/whatsapp/api/send`` builds the Cloud API webhook for
the customer's message or tap, signs it with the runtime's app secret and posts it over HTTP to this server's own
``/webhooks/whatsapp``. What the bot sends reaches the page through the fake Graph API: the outbound client, pointed
at ``/dev/graph`` in development, records each message there, and the page polls ``/dev/whatsapp/api/messages``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, model_validator

from api.deps import RuntimeDep
from api.routes.whatsapp import WebhookReceipt
from api.routes.whatsapp import router as webhook_router
from api.runtime import Runtime
from domain.phone import normalise_phone
from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID
from domain.services.whatsapp import business_numbers
from integrations.meta import fake_graph
from integrations.meta.fake_graph import DEV_GRAPH_PREFIX, FakeGraph, GraphDep, current_graph, own_origin
from integrations.meta.payloads import Tap, customer_message

PREFIX = "/dev/whatsapp"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
log = logging.getLogger(__name__)
_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'; "
             "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


# ---- installing it ---------------------------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    """Add the simulator's routes and the fake Graph API's to ``app``; they answer only while ``simulating``."""
    app.include_router(fake_graph.router, prefix=DEV_GRAPH_PREFIX)
    app.include_router(router)


def use_loopback(app: FastAPI, transport: httpx.AsyncBaseTransport) -> None:
    """Carry the simulator's and the fake Graph API's requests to this app's own webhook over ``transport`` instead
    of HTTP to the address the request came in on (tests: ``httpx.ASGITransport(app=app)``). Call before startup."""
    app.state.dev_loopback = transport


@asynccontextmanager
async def simulating(app: FastAPI, runtime: Runtime) -> AsyncIterator[None]:
    """In development, one fake Graph API for the app's lifetime (``app.state.fake_graph``), posting delivery
    receipts to this server's webhook signed with the runtime's app secret; outside development, nothing."""
    if not runtime.is_development:
        yield
        return
    transport: httpx.AsyncBaseTransport | None = getattr(app.state, "dev_loopback", None)
    graph = FakeGraph(app_secret=runtime.whatsapp_app_secret, webhook_url=webhook_router.prefix,
                      webhook_transport=transport)
    http = httpx.AsyncClient(transport=transport, timeout=30.0)
    app.state.fake_graph = graph
    app.state.dev_http = http
    try:
        yield
    finally:
        del app.state.fake_graph, app.state.dev_http
        await graph.aclose()
        await http.aclose()


# ---- the page --------------------------------------------------------------------------------------------------


@cache
def _page() -> str:
    return resources.files("api.routes").joinpath("dev_whatsapp.html").read_text(encoding="utf-8")


@router.get("", response_class=HTMLResponse, dependencies=[Depends(current_graph)])
async def page() -> HTMLResponse:
    """The simulator: a phone-like chat with the salon's business number."""
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(_page().replace("{{nonce}}", nonce), headers={
        "Content-Security-Policy": _PAGE_CSP.format(nonce=nonce), "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


# ---- its API ---------------------------------------------------------------------------------------------------


class Number(BaseModel):
    phone_number_id: str
    display_phone: str | None
    salon: str
    branch: str


class Numbers(BaseModel):
    numbers: list[Number]
    default: str | None = Field(description="The number to show first: the demo salon's when it is registered.")


@router.get("/api/numbers", response_model=Numbers, dependencies=[Depends(current_graph)])
async def numbers(runtime: RuntimeDep) -> Numbers:
    """The business numbers salons registered, for the page's header."""
    found = [Number(phone_number_id=n.phone_number_id, display_phone=n.display_phone, salon=n.salon, branch=n.branch)
             for n in await business_numbers(runtime.sessions, runtime.clock)]
    ids = [number.phone_number_id for number in found]
    default = WHATSAPP_PHONE_NUMBER_ID if WHATSAPP_PHONE_NUMBER_ID in ids else (ids[0] if ids else None)
    return Numbers(numbers=found, default=default)


class Reply(BaseModel):
    type: Literal["button_reply", "list_reply"]
    id: str = Field(min_length=1, max_length=256)
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=200)


class Send(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="The customer's phone number.")
    name: str | None = Field(None, max_length=200, description="The customer's WhatsApp profile name.")
    phone_number_id: str = Field(WHATSAPP_PHONE_NUMBER_ID, pattern=r"^[0-9]{1,32}$",
                                 description="The business number written to.")
    text: str | None = Field(None, min_length=1, max_length=4096)
    reply: Reply | None = Field(None, description="A tap on a reply button or list row instead of a text.")
    context_wamid: str | None = Field(None, max_length=128, description="The bot's message the tap answers.")

    @model_validator(mode="after")
    def _text_or_reply(self) -> Send:
        if (self.text is None) == (self.reply is None):
            raise ValueError("send either a text or a reply")
        return self


class Sent(BaseModel):
    wamid: str
    seq: int
    receipt: WebhookReceipt


@router.post("/api/send", response_model=Sent)
async def send(body: Send, request: Request, runtime: RuntimeDep, graph: GraphDep) -> Sent:
    """Send a customer's message the way Meta would: a signed webhook POSTed to this server's /webhooks/whatsapp."""
    customer = normalise_phone(body.phone)
    secret = runtime.whatsapp_app_secret
    if secret is None:  # never in development; kept for a runtime that has none
        raise HTTPException(409, "This server has no WhatsApp app secret to sign the simulated webhook with.")
    tap = Tap(body.reply.type, body.reply.id, body.reply.title, body.reply.description) if body.reply else None
    webhook = customer_message(app_secret=secret, phone_number_id=body.phone_number_id, customer_phone=customer,
                               text=body.text, tap=tap, contact_name=body.name, context_wamid=body.context_wamid)
    http: httpx.AsyncClient = request.app.state.dev_http
    try:
        answer = await http.post(own_origin(request) + webhook_router.prefix, content=webhook.body,
                                 headers=webhook.headers)
    except httpx.HTTPError as exc:
        raise HTTPException(502, f"Could not reach this server's webhook: {type(exc).__name__}") from exc
    if answer.status_code != 200:
        raise HTTPException(502, f"The webhook answered {answer.status_code}: {_detail(answer)}")
    message = webhook.payload["entry"][0]["changes"][0]["value"]["messages"][0]
    entry = graph.note_inbound(body.phone_number_id, customer, message)
    return Sent(wamid=webhook.wamid, seq=entry.seq, receipt=WebhookReceipt.model_validate(answer.json()))


def _detail(answer: httpx.Response) -> str:
    try:
        found = answer.json()
    except ValueError:
        return answer.text[:200]
    return str(found.get("detail") or found)[:200] if isinstance(found, dict) else str(found)[:200]


class FeedEntry(BaseModel):
    seq: int
    direction: Literal["in", "out"] = Field(description="in: the customer's; out: the business's (the bot's).")
    wamid: str
    phone_number_id: str
    customer: str
    message: dict[str, Any] = Field(description="The Cloud API message object.")
    at: str
    status: str | None = Field(description="For out: the last delivery state (sent, delivered, read).")


class Feed(BaseModel):
    messages: list[FeedEntry]
    last: int = Field(description="Ask again with after=last for what comes next.")
    statuses: dict[str, str] = Field(description="The delivery state of each business message in the conversation.")


@router.get("/api/messages", response_model=Feed)
async def messages(graph: GraphDep, phone: Annotated[str, Query(min_length=1, max_length=32)],
                   after: Annotated[int, Query(ge=0)] = 0) -> Feed:
    """One customer's conversation after sequence number ``after``: their messages and the bot's."""
    customer = normalise_phone(phone)
    whole = graph.conversation(customer)
    return Feed(messages=[FeedEntry(**entry.as_json()) for entry in whole if entry.seq > after],
                last=graph.last_seq,
                statuses={entry.wamid: entry.status for entry in whole if entry.direction == "out" and entry.status})
