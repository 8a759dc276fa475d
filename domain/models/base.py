"""Declarative base, naming convention and the columns every tenant-owned table shares."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, MetaData, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class TenantOwned:
    """Every row a salon owns names its tenant; row-level security keys on this column."""

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - SQLAlchemy passes the class
        return mapped_column(UUID(as_uuid=True), ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


def sql_in(values: Iterable[StrEnum]) -> str:
    """The SQL list ``('a', 'b')`` of enum values (a whole enum, or some of its members), for constraints."""
    return "(" + ", ".join(f"'{value.value}'" for value in values) + ")"


# Tables that carry tenant_id and are protected by the tenant_isolation policy. Kept in one place so the
# migration, the RLS test and the test database cleaner agree on the list.
def tenant_owned_tables() -> list[str]:
    return sorted(table.name for table in Base.metadata.sorted_tables if "tenant_id" in table.c)
