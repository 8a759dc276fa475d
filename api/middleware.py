"""Request id on every response and log line, and one access log record per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import internal_error
from domain.correlation import correlation_id

REQUEST_ID_HEADER = "x-request-id"
# Accept a caller's id only when it is short and plain, so it cannot inject into logs.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

logger = logging.getLogger("cazo.access")


class RequestIdMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware), so the context variable is visible to handlers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _ACCEPTABLE.match(incoming) else uuid.uuid4().hex
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        started_response = False

        async def send_tracking(message: Message) -> None:
            nonlocal started_response
            started_response = started_response or message["type"] == "http.response.start"
            await send_with_id(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            # Handled here rather than by Starlette's outermost error middleware, which runs after this one has
            # finished and so could neither add the request id nor log it.
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started_response:
                raise
            response = internal_error(scope["path"])
            await response(scope, receive, send_with_id)
        finally:
            logger.info("%s %s %s", scope["method"], scope["path"], status,
                        extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            correlation_id.reset(token)
