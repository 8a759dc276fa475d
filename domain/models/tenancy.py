"""Tenants (salon brands), their branches, opening hours, holidays and physical resources."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, HasId, TenantOwned, Timestamps

SLUG_CHECK = "~ '^[a-z0-9][a-z0-9-]{1,62}$'"


class Tenant(HasId, Timestamps, Base):
    __tablename__ = "tenants"
    __table_args__ = (CheckConstraint(f"slug {SLUG_CHECK}", name="slug_format"),)

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))


class Branch(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "branches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        CheckConstraint(f"slug {SLUG_CHECK}", name="slug_format"),
        CheckConstraint("state_code ~ '^[0-9]{2}$'", name="state_code_format"),
        CheckConstraint("pincode IS NULL OR pincode ~ '^[1-9][0-9]{5}$'", name="pincode_format"),
        CheckConstraint("gstin IS NULL OR (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$' AND left(gstin, 2) = state_code)",
                        name="gstin_matches_state"),
        CheckConstraint("cancellation_window_min >= 0", name="cancellation_window_nonnegative"),
        CheckConstraint("slot_minutes IN (5, 10, 15, 20, 30, 60)", name="slot_minutes_grid"),
        CheckConstraint("min_lead_min >= 0", name="min_lead_nonnegative"),
        CheckConstraint("horizon_days BETWEEN 1 AND 365", name="horizon_range"),
        CheckConstraint("hold_minutes BETWEEN 1 AND 120", name="hold_range"),
    )

    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100))
    state_code: Mapped[str] = mapped_column(String(2))
    pincode: Mapped[str | None] = mapped_column(String(6))
    gstin: Mapped[str | None] = mapped_column(String(15))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Kolkata", server_default="Asia/Kolkata")
    phone_e164: Mapped[str | None] = mapped_column(String(16))
    cancellation_window_min: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    # Booking policy: the start-time grid, how soon and how far ahead customers may book, how long a hold lasts.
    slot_minutes: Mapped[int] = mapped_column(SmallInteger, default=15, server_default="15")
    min_lead_min: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    horizon_days: Mapped[int] = mapped_column(SmallInteger, default=60, server_default="60")
    hold_minutes: Mapped[int] = mapped_column(SmallInteger, default=10, server_default="10")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    hours: Mapped[list[BranchHours]] = relationship(back_populates="branch", cascade="all, delete-orphan",
                                                    order_by="(BranchHours.weekday, BranchHours.opens_at)")
    holidays: Mapped[list[BranchHoliday]] = relationship(back_populates="branch", cascade="all, delete-orphan",
                                                         order_by="BranchHoliday.day")
    resources: Mapped[list[Resource]] = relationship(back_populates="branch", cascade="all, delete-orphan")


class BranchHours(HasId, TenantOwned, Base):
    """One opening interval on one weekday (0 = Monday). A split day has two rows."""

    __tablename__ = "branch_hours"
    __table_args__ = (
        UniqueConstraint("branch_id", "weekday", "opens_at"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    branch: Mapped[Branch] = relationship(back_populates="hours")


class BranchHoliday(HasId, TenantOwned, Base):
    __tablename__ = "branch_holidays"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))

    branch: Mapped[Branch] = relationship(back_populates="holidays")


class Resource(HasId, TenantOwned, Base):
    """A kind of physical resource at a branch and how many there are: 6 chairs, 2 wash basins, 1 facial room."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("branch_id", "resource_type"),
        CheckConstraint("resource_type ~ '^[a-z][a-z0-9_]{1,39}$'", name="type_format"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    branch: Mapped[Branch] = relationship(back_populates="resources")
