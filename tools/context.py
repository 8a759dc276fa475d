"""Who is calling a tool, for which salon, and with what: the run's context, never the model's arguments.

A chat graph, the REST API and the staff console each build a ``ToolContext`` from what they trust (a verified
phone number, a session, later a token) and hand it to every tool call. Tools read identity only from here, so a
language model that writes someone else's customer id into its arguments gains nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.errors import InvalidInput, PermissionDenied
from domain.scheduling.bookings import Canceller
from domain.uow import Actor

Role = Literal["customer", "stylist", "front_desk", "manager", "owner", "system"]
ROLES: tuple[Role, ...] = get_args(Role)
STAFF_ROLES: frozenset[Role] = frozenset(role for role in ROLES if role != "customer")
EVERYONE: frozenset[Role] = frozenset(ROLES)
MANAGERS: frozenset[Role] = frozenset({"owner", "manager"})  # who may change the salon's settings and texts


@dataclass(frozen=True)
class ToolContext:
    """The trusted side of a tool call. ``customer_id`` is who a customer actor is (required for them)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    tenant_id: uuid.UUID
    actor: Actor
    role: Role
    branch_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    request_id: str | None = None
    # Where bookings made in this context come from (a bookings.source value); None picks by role.
    source: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "customer" and self.customer_id is None:
            # A wiring mistake, not a user's: a customer context must say which customer it is.
            raise ValueError("a customer context needs customer_id")

    @property
    def is_customer(self) -> bool:
        return self.role == "customer"

    @property
    def changed_by(self) -> Canceller:
        """How the booking rules see this caller: customers are held to the cancellation window, staff are not."""
        return "customer" if self.is_customer else "staff"

    @property
    def booking_source(self) -> str:
        return self.source or ("whatsapp" if self.is_customer else "console")

    def customer_for(self, requested: uuid.UUID | None) -> uuid.UUID:
        """The customer a call acts for: a customer is always themselves; staff must say whom."""
        if self.is_customer:
            assert self.customer_id is not None  # guaranteed by __post_init__
            if requested is not None and requested != self.customer_id:
                raise PermissionDenied("You can only see and change your own bookings.")
            return self.customer_id
        if requested is None:
            raise InvalidInput("Say which customer this is for (customer_id).")
        return requested

    def check_owner(self, customer_id: uuid.UUID) -> None:
        """Refuse a customer acting on a booking or entry that belongs to someone else."""
        if self.is_customer and customer_id != self.customer_id:
            raise PermissionDenied("You can only see and change your own bookings.")

    def branch_for(self, requested: uuid.UUID | None) -> uuid.UUID:
        branch_id = requested or self.branch_id
        if branch_id is None:
            raise InvalidInput("Say which branch (branch_id).")
        return branch_id
