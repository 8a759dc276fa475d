"""The outbox's ``MessageSender`` over the Cloud API client: Meta's errors become ``SendFailure`` with their reason.

``domain.services.outbound`` decides what may be sent and records what happened; this adapter only says, in the
domain's terms, whether a refused send may be tried again (throttling, 5xx, no answer), whether the 24-hour window
closed (a template may go instead), or neither (a bad recipient, template or token: parked for staff).
"""

from __future__ import annotations

from typing import Any

from domain.services.outbound import SendFailure
from integrations.meta.client import WhatsAppClient
from integrations.meta.errors import WhatsAppAuthError, WhatsAppError, WhatsAppWindowClosed


class CloudApiSender:
    def __init__(self, client: WhatsAppClient) -> None:
        self.client = client

    async def send(self, phone_number_id: str, to: str, message: dict[str, Any]) -> str:
        try:
            return await self.client.send(phone_number_id, to, message)
        except WhatsAppError as error:
            raise failure(error) from error

    async def send_template(self, phone_number_id: str, to: str, template: dict[str, Any]) -> str:
        try:
            return await self.client.send_template(phone_number_id, to, template)
        except WhatsAppError as error:
            raise failure(error) from error


def failure(error: WhatsAppError) -> SendFailure:
    """The domain's view of a Cloud API error: the reason staff read, and what may be done about it."""
    reason = error.message
    if error.details:
        reason += f" ({error.details})"
    if isinstance(error, WhatsAppAuthError):
        reason = f"the WhatsApp access token was refused, an operator must replace it: {reason}"
    elif isinstance(error, WhatsAppWindowClosed):
        reason = f"outside the 24-hour customer service window: {reason}"
    return SendFailure(reason, code=error.code, retryable=error.retryable,
                       window_closed=isinstance(error, WhatsAppWindowClosed))
