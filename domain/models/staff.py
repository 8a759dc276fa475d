"""Staff members, what they can do, when they work, and how they are paid commission."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
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

from domain.models.base import Base, HasId, TenantOwned, Timestamps, sql_in


class StaffRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    FRONT_DESK = "front_desk"
    STYLIST = "stylist"


class CommissionPlan(HasId, TenantOwned, Timestamps, Base):
    """Commission as basis points of the pre-tax amount (1000 = 10%)."""

    __tablename__ = "commission_plans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("service_rate_bp BETWEEN 0 AND 10000", name="service_rate_range"),
        CheckConstraint("product_rate_bp BETWEEN 0 AND 10000", name="product_rate_range"),
    )

    name: Mapped[str] = mapped_column(String(120))
    service_rate_bp: Mapped[int] = mapped_column(Integer)
    product_rate_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Staff(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone_e164"),
        CheckConstraint(f"role IN {sql_in(StaffRole)}", name="role_known"),
        CheckConstraint("phone_e164 IS NULL OR phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'", name="phone_e164"),
    )

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="RESTRICT"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    phone_e164: Mapped[str | None] = mapped_column(String(16))
    seniority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    commission_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("commission_plans.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    skills: Mapped[list[StaffSkill]] = relationship(cascade="all, delete-orphan")
    shifts: Mapped[list[StaffShift]] = relationship(cascade="all, delete-orphan",
                                                    order_by="(StaffShift.weekday, StaffShift.starts_at)")
    breaks: Mapped[list[StaffBreak]] = relationship(cascade="all, delete-orphan")
    leave: Mapped[list[StaffLeave]] = relationship(cascade="all, delete-orphan")


class StaffSkill(TenantOwned, Base):
    """A service this staff member performs."""

    __tablename__ = "staff_skills"

    staff_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="CASCADE"),
                                                primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("services.id", ondelete="CASCADE"),
                                                  primary_key=True, index=True)


class StaffShift(HasId, TenantOwned, Base):
    """Working hours on one weekday (0 = Monday) at one branch. Staff may work at several branches."""

    __tablename__ = "staff_shifts"
    __table_args__ = (
        UniqueConstraint("staff_id", "weekday", "starts_at"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    staff_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="CASCADE"),
                                                index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"),
                                                 index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class StaffBreak(HasId, TenantOwned, Base):
    """A recurring break inside a shift, e.g. lunch 14:00-14:45 every weekday."""

    __tablename__ = "staff_breaks"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    staff_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="CASCADE"),
                                                index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    label: Mapped[str] = mapped_column(String(60), default="Break", server_default="Break")


class StaffLeave(HasId, TenantOwned, Timestamps, Base):
    """Time off between two instants (UTC), e.g. a day's leave read in the branch's zone."""

    __tablename__ = "staff_leave"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="CASCADE"),
                                                index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
