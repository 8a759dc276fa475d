"""Bookings and their items. An item is one service by one staff member over one span of time."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, HasId, TenantOwned, Timestamps, sql_in
from domain.models.customers import Channel


class BookingStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Statuses in which an item occupies its staff member's time.
ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
ACTIVE_SQL = "(" + ", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES) + ")"

BOOKING_SOURCES = (Channel.WHATSAPP, Channel.CONSOLE, Channel.WIDGET, Channel.WALK_IN)
SOURCES_SQL = "(" + ", ".join(f"'{source.value}'" for source in BOOKING_SOURCES) + ")"


class Booking(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(BookingStatus)}", name="status_known"),
        CheckConstraint(f"source IN {SOURCES_SQL}", name="source_known"),
        CheckConstraint("status <> 'held' OR hold_expires_at IS NOT NULL", name="hold_expires"),
    )

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="RESTRICT"),
                                                 index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                   ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12))
    notes: Mapped[str | None] = mapped_column(Text)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[BookingItem]] = relationship(back_populates="booking", cascade="all, delete-orphan",
                                                    order_by="BookingItem.position")


class BookingItem(HasId, TenantOwned, Base):
    __tablename__ = "booking_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"status IN {sql_in(BookingStatus)}", name="status_known"),
        CheckConstraint("price_paise >= 0", name="price_nonnegative"),
        # The last guard against double booking: one staff member, one active item at any instant.
        # Half-open ranges, so back-to-back items (10:00-10:30, 10:30-11:00) are allowed.
        ExcludeConstraint(
            ("staff_id", "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_booking_items_no_staff_overlap",
            using="gist",
            where=text(f"status IN {ACTIVE_SQL}"),
        ),
        Index("ix_booking_items_branch_id_starts_at", "branch_id", "starts_at"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                  ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="RESTRICT"))
    service_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                  ForeignKey("services.id", ondelete="RESTRICT"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="RESTRICT"),
                                                index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))
    price_paise: Mapped[int] = mapped_column(BigInteger)

    booking: Mapped[Booking] = relationship(back_populates="items")
