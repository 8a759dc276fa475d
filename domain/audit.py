"""Writes one audit row for every ORM insert, update and delete in a unit of work, inside the same transaction.

It runs in the session's after_flush hook, so no domain service can forget it. Rows are inserted with a core
INSERT (not through the ORM) because objects added during a flush would wait for the next one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from domain.models.audit import AuditEntry
from domain.models.base import Base
from domain.models.tenancy import Tenant


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.datetime | dt.date | dt.time | decimal.Decimal):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


# Kept by the database itself; their values mid-flush are SQL expressions, not data.
_SKIPPED = frozenset({"created_at", "updated_at"})


def _audited(attr: Any) -> bool:
    """Columns worth a line in the audit log: not database timestamps, not generated (derived) columns."""
    return attr.key not in _SKIPPED and all(column.computed is None for column in attr.columns)


def _row(obj: Base) -> dict[str, Any]:
    # state.dict, not getattr: reading an expired attribute here would issue a query in the middle of a flush.
    state = inspect(obj)
    return {attr.key: _jsonable(state.dict.get(attr.key)) for attr in state.mapper.column_attrs if _audited(attr)}


def _identity(obj: Base) -> str:
    identity = inspect(obj).identity
    if identity is None:
        return ""
    return "/".join(str(part) for part in identity)


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if not _audited(attr):
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _jsonable(history.deleted[0]) if history.deleted else None
            after[attr.key] = _jsonable(history.added[0]) if history.added else None
    return before, after


def _tenant_of(obj: Base) -> Any:
    return obj.id if isinstance(obj, Tenant) else getattr(obj, "tenant_id", None)


def record_audit_rows(session: Session, actor_type: str, actor_id: str | None, request_id: str | None) -> None:
    rows: list[dict[str, Any]] = []

    def add(obj: Base, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        if isinstance(obj, AuditEntry):
            return
        tenant_id = _tenant_of(obj)
        if tenant_id is None:
            return
        rows.append({"tenant_id": tenant_id, "actor_type": actor_type, "actor_id": actor_id, "action": action,
                     "entity_type": obj.__tablename__, "entity_id": _identity(obj), "before": before,
                     "after": after, "request_id": request_id})

    for obj in session.new:
        if isinstance(obj, Base):
            add(obj, "create", None, _row(obj))
    for obj in session.dirty:
        if isinstance(obj, Base) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in session.deleted:
        if isinstance(obj, Base):
            add(obj, "delete", _row(obj), None)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)
