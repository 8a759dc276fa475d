"""Meta's WhatsApp Cloud API webhook: the subscription handshake (GET) and message intake (POST).

The POST reads the raw body first and checks its X-Hub-Signature-256 against the app secret before parsing
anything; a body that fails is refused with nothing stored. A signed body is parsed, routed by business number
and stored (``domain.services.whatsapp_intake``: POSTs that arrive together share a transaction), and answered
200 once stored: answering the customer is the worker's job, later. A signed body that is malformed is logged and
still answered 200, because Meta retries anything else for days and the retry would be just as malformed. A
database failure is a 500, so Meta retries and the unique message ids keep the retry from storing anything twice.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from api.deps import RuntimeDep
from integrations.meta.webhook import SIGNATURE_HEADER, parse_webhook, verify_signature, verify_subscription

router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])
log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024  # Meta sends at most 3 MB per POST
_REFUSED: dict[int | str, dict[str, Any]] = {403: {"description": "Not signed (or not verified) with our secret."}}


class WebhookReceipt(BaseModel):
    stored: int = Field(description="Messages and delivery receipts stored by this delivery.")
    duplicates: int = Field(description="Already stored by an earlier delivery of the same notification.")
    skipped: int = Field(description="Malformed, or for a business number no salon has registered.")
    ignored: int = Field(description="Changes that are not messages (account, template or quality updates).")


@router.get("", response_class=PlainTextResponse, responses=_REFUSED)
async def verify(runtime: RuntimeDep,
                 mode: Annotated[str | None, Query(alias="hub.mode")] = None,
                 token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
                 challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=200)] = None) \
        -> PlainTextResponse:
    """Meta's subscription handshake: echoes hub.challenge when hub.verify_token is WHATSAPP_VERIFY_TOKEN."""
    answer = verify_subscription(mode, token, challenge, runtime.whatsapp_verify_token)
    if answer is None:
        log.warning("whatsapp webhook verification refused",
                    extra={"configured": runtime.whatsapp_verify_token is not None, "mode": (mode or "")[:20]})
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The verification request does not match this server.")
    return PlainTextResponse(answer)


async def _raw_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "A webhook body is at most 4 MiB.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "A webhook body is at most 4 MiB.")
    return bytes(body)


@router.post("", response_model=WebhookReceipt,
             responses={**_REFUSED, 413: {"description": "The body is larger than any Meta sends."}})
async def receive(request: Request, runtime: RuntimeDep) -> WebhookReceipt:
    """Messages and delivery receipts from Meta, signed with the app secret; stored once however often sent."""
    raw = await _raw_body(request)
    secret = runtime.whatsapp_app_secret
    if secret is None:
        log.error("whatsapp webhook refused: WHATSAPP_APP_SECRET is not set")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "WhatsApp webhooks are not configured on this server.")
    if not verify_signature(raw, request.headers.get(SIGNATURE_HEADER), secret):
        log.warning("whatsapp webhook refused: bad or missing signature",
                    extra={"signed": SIGNATURE_HEADER in request.headers, "bytes": len(raw)})
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"The {SIGNATURE_HEADER} signature does not match the body.")
    parsed = parse_webhook(raw)
    if parsed.problems:
        log.warning("whatsapp webhook: malformed parts skipped",
                    extra={"skipped": len(parsed.problems), "problems": "; ".join(parsed.problems[:20])})
    result = await runtime.whatsapp_intake.take_in(parsed.deliveries)
    for number in result.unknown_numbers:
        log.warning("whatsapp webhook for an unregistered business number %s", number,
                    extra={"phone_number_id": number})
    receipt = WebhookReceipt(stored=result.stored, duplicates=result.duplicates,
                             skipped=len(parsed.problems) + result.unrouted, ignored=parsed.ignored)
    if log.isEnabledFor(logging.INFO):
        log.info("whatsapp webhook taken in", extra=receipt.model_dump())
    return receipt
