"""Staff tools for the WhatsApp channel: what went wrong and sending it again, and the salon's business numbers.

- ``list_outbound``: messages to customers (replies and notices) with how far each got; a failed one carries the
  reason (Meta's, "gave up after N attempts: ...", or "the sender stopped while sending ...").
- ``list_inbound``: customer messages, by default those the worker parked after repeated failures.
- ``retry_outbound`` / ``retry_inbound``: put one back in its queue. Safe to repeat: one already queued comes back
  unchanged with ``requeued`` false. The reason it failed is cleared from the row and kept in the audit log, with
  who queued it again.
- ``list_numbers`` / ``register_number``: which business number answers for which branch.

Who may do what: any staff role reads. The owner, a manager or the front desk may retry: the desk is who watches
the conversations and answers customers, and a retry sends nothing a customer was not already meant to get. Only
the owner routes a business number to a branch: it decides where every customer's messages go.

Not in ``tools.registry`` (that list is what a customer's chat model may be offered). Customers' phone numbers are
shown masked (country code and last four digits), as everywhere outside the chat.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from domain.models import Branch, InboundMessage, InboundStatus, OutboundMessage, OutboundStatus, WhatsAppNumber
from domain.phone import mask_phone
from domain.services import outbound, whatsapp
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import MANAGERS, STAFF_ROLES, Role, ToolContext

RETRIERS: frozenset[Role] = MANAGERS | {"front_desk"}  # who may put a message back in its queue
OWNERS: frozenset[Role] = frozenset({"owner"})  # who may route a business number to a branch
PREVIEW_LENGTH = 120

OutboundFilter = Literal["all", "queued", "sending", "sent", "delivered", "read", "failed", "cancelled"]
InboundFilter = Literal["all", "queued", "failed", "done"]
MessageId = Annotated[int, Field(ge=1, le=outbound.MAX_ROW_ID)]
Limit = Annotated[int, Field(ge=1, le=outbound.MAX_LIST, description="At most this many, newest first.")]
PhoneNumberId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,32}$")]


# ---- views ------------------------------------------------------------------------------------------------------


class OutboundView(BaseModel):
    id: int
    customer_id: uuid.UUID
    phone: str | None = Field(description="Masked: the country code and the last four digits, e.g. "
                                          "'+91******5678'. None when the customer is known only by a WhatsApp "
                                          "username.")
    source: str = Field(description="reply (the conversation's answer) or notice (a reminder, confirmation, ...)")
    status: str = Field(description="queued, sending, sent, delivered, read, failed or cancelled")
    sent_as: str | None = Field(description="message, or template (outside the 24-hour window); None until sent.")
    attempts: int = Field(description="Sends tried since it was last queued.")
    last_error: str | None = Field(description="Why it failed or was cancelled, or why the last try failed.")
    error_code: int | None = Field(description="Meta's error code, when Meta gave one.")
    preview: str = Field(description=f"The start of the text (at most {PREVIEW_LENGTH} characters), or "
                                     "'[template NAME]' when it went, or can only go, as a template.")
    created_at: datetime
    next_attempt_at: datetime = Field(description="When a queued message is tried next.")
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None


class OutboundList(BaseModel):
    messages: list[OutboundView]


class OutboundRetry(OutboundView):
    requeued: bool = Field(description="True when this call queued it again; false when it was already queued "
                                       "(nothing changed).")


class InboundView(BaseModel):
    id: int
    wamid: str = Field(description="Meta's id for the message.")
    phone: str | None = Field(description="Masked, as in OutboundView; None for a customer known only by a "
                                          "WhatsApp username.")
    contact_name: str | None = Field(description="The name on the customer's WhatsApp profile.")
    kind: str = Field(description="text, interactive, button, audio, voice, image, location, reaction or "
                                  "unsupported")
    preview: str = Field(description=f"The start of the text, caption or tapped button (at most {PREVIEW_LENGTH} "
                                     "characters), or '[KIND]' when there is none.")
    status: str = Field(description="queued (waiting for the worker), done (answered) or failed (parked)")
    attempts: int = Field(description="Times the worker tried to answer it since it was last queued.")
    last_error: str | None = Field(description="Why it was parked, or why the last try failed.")
    received_at: datetime
    processed_at: datetime | None = Field(description="When it was answered, or parked.")
    retry_at: datetime | None = Field(description="A queued message that failed waits until then.")


class InboundList(BaseModel):
    messages: list[InboundView]


class InboundRetry(InboundView):
    requeued: bool = Field(description="True when this call queued it again; false when it was already queued "
                                       "(nothing changed).")


class NumberView(BaseModel):
    id: uuid.UUID
    phone_number_id: str = Field(description="Meta's id for the business number (WhatsApp Manager, API setup).")
    display_phone: str | None = Field(description="The business number as customers see it, in E.164.")
    branch_id: uuid.UUID
    branch_name: str
    created_at: datetime


class NumberList(BaseModel):
    numbers: list[NumberView]


class NumberRegistration(NumberView):
    created: bool = Field(description="True when this call registered it; false when it was already routed to "
                                      "this branch (nothing changed).")


# ---- inputs -----------------------------------------------------------------------------------------------------


class ListOutboundInput(BaseModel):
    status: OutboundFilter = Field("failed", description="Which messages: failed (parked with the reason, the "
                                                         "default), cancelled, queued, ..., or all.")
    customer_id: uuid.UUID | None = Field(None, description="Only this customer's messages.")
    limit: Limit = 50


class ListInboundInput(BaseModel):
    status: InboundFilter = Field("failed", description="Which messages: failed (parked, the default), queued, "
                                                        "done or all.")
    limit: Limit = 50


class MessageIdInput(BaseModel):
    message_id: MessageId


class RegisterNumberInput(BaseModel):
    phone_number_id: PhoneNumberId = Field(description="Meta's id for the business number: digits, shown with "
                                                       "the number in WhatsApp Manager's API setup.")
    branch_id: uuid.UUID = Field(description="The branch whose customers write to this number.")
    display_phone: str | None = Field(None, max_length=32, description="The number as customers see it, e.g. "
                                                                       "'+91 22 2640 1188'.")


class ListNumbersInput(BaseModel):
    pass


# ---- building the views -----------------------------------------------------------------------------------------


def clip(text: str) -> str:
    """One line of at most ``PREVIEW_LENGTH`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[:PREVIEW_LENGTH - 1] + "…"


def _text_of(body: dict[str, Any]) -> str:
    """The text a Cloud API message object shows: a text's body, an interactive message's body, a caption."""
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict):
        return ""
    if kind == "interactive":
        inner = content.get("body")
        text = inner.get("text") if isinstance(inner, dict) else None
    else:
        text = content.get("body") if kind == "text" else content.get("caption")
    return text if isinstance(text, str) else ""


def outbound_preview(message: OutboundMessage) -> str:
    template = message.template if isinstance(message.template, dict) else {}
    name = template.get("name") if isinstance(template.get("name"), str) else None
    if message.sent_as == "template" and name:
        return f"[template {name}]"
    text = _text_of(message.body if isinstance(message.body, dict) else {})
    if text.strip():
        return clip(text)
    if name:
        return f"[template {name}]"
    kind = message.body.get("type") if isinstance(message.body, dict) else None
    return f"[{kind if isinstance(kind, str) and kind else 'message'}]"


def outbound_view(message: OutboundMessage) -> OutboundView:
    return OutboundView(
        id=message.id, customer_id=message.customer_id,
        phone=mask_phone(message.to_phone) if message.to_phone else None, source=message.source,
        status=message.status, sent_as=message.sent_as, attempts=message.attempts, last_error=message.last_error,
        error_code=message.error_code, preview=outbound_preview(message), created_at=message.created_at,
        next_attempt_at=message.next_attempt_at, sent_at=message.sent_at, delivered_at=message.delivered_at,
        read_at=message.read_at, failed_at=message.failed_at)


def inbound_view(message: InboundMessage) -> InboundView:
    text = message.text if message.text and message.text.strip() else message.reply_title
    return InboundView(
        id=message.id, wamid=message.wamid,
        phone=mask_phone(message.customer_phone) if message.customer_phone else None,
        contact_name=message.contact_name, kind=message.kind,
        preview=clip(text) if text and text.strip() else f"[{message.kind}]", status=message.status,
        attempts=message.attempts, last_error=message.last_error, received_at=message.received_at,
        processed_at=message.processed_at, retry_at=message.retry_at)


def number_view(number: WhatsAppNumber, branch: Branch) -> NumberView:
    return NumberView(id=number.id, phone_number_id=number.phone_number_id, display_phone=number.display_phone,
                      branch_id=number.branch_id, branch_name=branch.name, created_at=number.created_at)


# ---- handlers ---------------------------------------------------------------------------------------------------


async def _list_outbound(ctx: ToolContext, data: ListOutboundInput, uow: UnitOfWork) -> OutboundList:
    status = None if data.status == "all" else OutboundStatus(data.status)
    rows = await outbound.outbox(uow, status=status, customer_id=data.customer_id, limit=data.limit)
    return OutboundList(messages=[outbound_view(row) for row in rows])


async def _retry_outbound(ctx: ToolContext, data: MessageIdInput, uow: UnitOfWork) -> OutboundRetry:
    message, requeued = await outbound.requeue_outbound(uow, data.message_id)
    return OutboundRetry(**outbound_view(message).model_dump(), requeued=requeued)


async def _list_inbound(ctx: ToolContext, data: ListInboundInput, uow: UnitOfWork) -> InboundList:
    status = None if data.status == "all" else InboundStatus(data.status)
    rows = await whatsapp.inbox(uow, status=status, limit=data.limit)
    return InboundList(messages=[inbound_view(row) for row in rows])


async def _retry_inbound(ctx: ToolContext, data: MessageIdInput, uow: UnitOfWork) -> InboundRetry:
    message, requeued = await whatsapp.requeue_inbound(uow, data.message_id)
    return InboundRetry(**inbound_view(message).model_dump(), requeued=requeued)


async def _list_numbers(ctx: ToolContext, data: ListNumbersInput, uow: UnitOfWork) -> NumberList:
    return NumberList(numbers=[number_view(number, branch) for number, branch in await whatsapp.list_numbers(uow)])


async def _register_number(ctx: ToolContext, data: RegisterNumberInput, uow: UnitOfWork) -> NumberRegistration:
    added = await whatsapp.add_number(whatsapp.RegisterNumber(data.phone_number_id, data.branch_id,
                                                              data.display_phone), uow)
    await uow.session.refresh(added.number, ["created_at"])  # set by the database
    branch = await uow.get(Branch, added.number.branch_id, "branch")
    return NumberRegistration(**number_view(added.number, branch).model_dump(), created=added.created)


list_outbound = Tool(
    name="list_outbound", description="Messages to customers, newest first, with how far each got and why a "
                                      "failed one failed.",
    input_model=ListOutboundInput, output_model=OutboundList, handler=_list_outbound, mutates=False,
    roles=STAFF_ROLES)
retry_outbound = Tool(
    name="retry_outbound", description="Send a failed or cancelled message to a customer again (it goes back to "
                                       "the queue, due now).",
    input_model=MessageIdInput, output_model=OutboundRetry, handler=_retry_outbound, mutates=True, roles=RETRIERS)
list_inbound = Tool(
    name="list_inbound", description="Customer messages, newest first; by default those parked because answering "
                                     "them kept failing, with the reason.",
    input_model=ListInboundInput, output_model=InboundList, handler=_list_inbound, mutates=False,
    roles=STAFF_ROLES)
retry_inbound = Tool(
    name="retry_inbound", description="Hand a parked customer message back to the bot to answer.",
    input_model=MessageIdInput, output_model=InboundRetry, handler=_retry_inbound, mutates=True, roles=RETRIERS)
list_numbers = Tool(
    name="list_whatsapp_numbers", description="The salon's WhatsApp business numbers and the branch each answers "
                                              "for.",
    input_model=ListNumbersInput, output_model=NumberList, handler=_list_numbers, mutates=False, roles=STAFF_ROLES)
register_number = Tool(
    name="register_whatsapp_number", description="Route a WhatsApp business number to a branch: its customers' "
                                                 "messages reach that branch (owner only).",
    input_model=RegisterNumberInput, output_model=NumberRegistration, handler=_register_number, mutates=True,
    roles=OWNERS)
