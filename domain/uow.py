"""The unit of work: one database transaction, scoped to one tenant, that rolls back unless told to commit.

Every transaction the session opens starts by setting ``app.tenant_id`` (transaction-local), which the row-level
security policies read. A unit of work without a tenant sees no tenant-owned rows at all. Events recorded while
the work runs are stored in ``domain_events`` in the same transaction (the outbox) and handed out only after a
successful commit, so side effects never precede the data they describe and none is lost to a crash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, TypeVar

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from domain.audit import record_audit_rows
from domain.clock import Clock
from domain.errors import NotFound, TenantRequired
from domain.models.notices import EventRecord

ActorType = Literal["staff", "customer", "system", "api"]
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who is making a change. Comes from the request or conversation context, never from a model's output."""

    type: ActorType
    id: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name)


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, named in the past tense (AppointmentBooked). Published after commit."""

    name: str
    tenant_id: uuid.UUID
    payload: dict[str, Any] = field(default_factory=dict)


class ScopedSession(Session):
    """The sync session class behind every AsyncSession Cazo makes: sets the tenant and writes the audit log."""


@event.listens_for(ScopedSession, "after_begin")
def _set_scope(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    tenant_id = session.info.get("tenant_id")
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.platform', :platform, true)"),
        {"tenant": str(tenant_id) if tenant_id else "", "platform": "on" if session.info.get("platform") else ""},
    )


@event.listens_for(ScopedSession, "after_flush")
def _audit(session: Session, flush_context: Any) -> None:
    session.info["uncommitted_writes"] = True
    actor = session.info.get("actor")
    if actor is not None:
        record_audit_rows(session, actor.type, actor.id, session.info.get("request_id"))


def make_session_factory(engine: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work. ``engine`` is an AsyncEngine whose connections assume the app role."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=ScopedSession)


class UnitOfWork:
    """``async with UnitOfWork(...) as uow: ...; await uow.commit()``. Leaving without commit rolls back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, tenant_id: uuid.UUID | None, actor: Actor,
                 clock: Clock, request_id: str | None = None, platform: bool = False) -> None:
        self._sessions = sessions
        self.tenant_id = tenant_id
        self.actor = actor
        self.clock = clock
        self.request_id = request_id
        self.platform = platform
        self._events: list[DomainEvent] = []
        self.published: list[DomainEvent] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in 'async with'")
        return self._session

    async def get(self, model: type[T], ident: uuid.UUID, what: str) -> T:
        """The row with this id, or NotFound("No such <what>.") (another tenant's row is not found either)."""
        found = await self.session.get(model, ident)
        if found is None:
            raise NotFound(f"No such {what}.", id=str(ident))
        return found

    def require_tenant(self) -> uuid.UUID:
        if self.tenant_id is None:
            raise TenantRequired("This operation needs a salon (tenant) to be chosen first.")
        return self.tenant_id

    def record(self, name: str, **payload: Any) -> None:
        """Record a domain event; it is published only if the work commits."""
        self._events.append(DomainEvent(name=name, tenant_id=self.require_tenant(), payload=payload))

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._session.info.update(tenant_id=self.tenant_id, actor=self.actor, request_id=self.request_id,
                                  platform=self.platform)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        session = self.session
        try:
            # Roll back whatever was not committed. A read-only unit of work just closes, so the objects it
            # loaded stay readable (a rollback would expire them).
            if exc_type is not None or session.info.get("uncommitted_writes") or session.new or session.dirty \
                    or session.deleted:
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        if self._events:  # the outbox: the events are stored with the change they describe, or not at all
            await self.session.execute(insert(EventRecord), [
                {"tenant_id": e.tenant_id, "name": e.name, "payload": e.payload, "occurred_at": self.clock.now()}
                for e in self._events])
        await self.session.commit()
        self.session.info["uncommitted_writes"] = False
        self.published.extend(self._events)
        self._events.clear()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.session.info["uncommitted_writes"] = False
        self._events.clear()
