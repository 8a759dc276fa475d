"""The errors domain code raises. Each says, in words a salon owner understands, what was wrong.

The API maps them to RFC 9457 problem responses and the chat layer to a friendly reply; neither changes data,
because the unit of work rolls back when one escapes.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user can cause. ``code`` is stable and machine-readable."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class TenantRequired(DomainError):
    """A tenant-scoped operation was attempted without a tenant in context."""

    code = "tenant_required"
    status = 400


class PolicyViolation(DomainError):
    """The salon's rules refuse this (e.g. cancelling inside the cancellation window)."""

    code = "policy_violation"
    status = 409


class InvalidTransition(Conflict):
    """The booking is not in a state that allows this (e.g. completing a cancelled booking)."""

    code = "invalid_transition"


class SlotUnavailable(Conflict):
    """The asked time cannot be served; ``details["alternatives"]`` lists the nearest times that can."""

    code = "slot_unavailable"
