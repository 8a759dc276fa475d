"""Bookings and their items. An item is one service by one staff member over one span of time."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZMULTIRANGE, UUID, ExcludeConstraint
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
    EXPIRED = "expired"  # a hold nobody confirmed in time


# Statuses in which an item occupies its staff member's time.
ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
ACTIVE_SQL = sql_in(ACTIVE_STATUSES)

# The time a staff member works on an item: start to gap, then gap end to the end of the buffer.
STAFF_BUSY_SQL = ("tstzmultirange(tstzrange(starts_at, coalesce(gap_starts_at, starts_at), '[)'), "
                  "tstzrange(coalesce(gap_ends_at, starts_at), coalesce(busy_until, ends_at), '[)'))")

BOOKING_SOURCES = (Channel.WHATSAPP, Channel.CONSOLE, Channel.WIDGET, Channel.WALK_IN)
SOURCES_SQL = sql_in(BOOKING_SOURCES)


class Booking(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(BookingStatus)}", name="status_known"),
        CheckConstraint(f"source IN {SOURCES_SQL}", name="source_known"),
        CheckConstraint("status <> 'held' OR hold_expires_at IS NOT NULL", name="hold_expires"),
        Index("ix_bookings_branch_id_status_hold", "branch_id", "status", "hold_expires_at"),
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
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    reschedule_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    items: Mapped[list[BookingItem]] = relationship(back_populates="booking", cascade="all, delete-orphan",
                                                    order_by="BookingItem.position")


class BookingItem(HasId, TenantOwned, Base):
    __tablename__ = "booking_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"status IN {sql_in(BookingStatus)}", name="status_known"),
        CheckConstraint("price_paise >= 0", name="price_nonnegative"),
        CheckConstraint("(gap_starts_at IS NULL) = (gap_ends_at IS NULL)", name="gap_both_or_neither"),
        CheckConstraint("gap_starts_at IS NULL OR (starts_at < gap_starts_at AND gap_starts_at < gap_ends_at "
                        "AND gap_ends_at < ends_at)", name="gap_inside_item"),
        CheckConstraint("busy_until IS NULL OR busy_until >= ends_at", name="busy_until_after_end"),
        # The last guard against double booking: one staff member, one active item at any instant of the time
        # they actually work on it (the processing gap is free, the buffer after is not). Half-open ranges, so
        # back-to-back items (10:00-10:30, 10:30-11:00) are allowed.
        ExcludeConstraint(
            ("staff_id", "="),
            ("staff_busy", "&&"),
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
    # The stylist is free between these two (colour developing); both NULL when the service has no gap.
    gap_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gap_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # End of the clean-up buffer after the service (NULL: no buffer). Staff and resources are busy until then.
    busy_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    staff_busy: Mapped[Any] = mapped_column(TSTZMULTIRANGE, Computed(STAFF_BUSY_SQL, persisted=True))
    status: Mapped[str] = mapped_column(String(12))
    price_paise: Mapped[int] = mapped_column(BigInteger)

    booking: Mapped[Booking] = relationship(back_populates="items")


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a freed slot is held for them until offer_expires_at
    BOOKED = "booked"
    LAPSED = "lapsed"  # they did not take the offer in time; the slot went to the next in line
    CANCELLED = "cancelled"


class WaitlistEntry(HasId, TenantOwned, Timestamps, Base):
    """A customer who wants to be told when a slot frees on a day. First come, first served."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(WaitlistStatus)}", name="status_known"),
        CheckConstraint("status <> 'offered' OR (offer_booking_id IS NOT NULL AND offer_expires_at IS NOT NULL)",
                        name="offer_recorded"),
        Index("ix_waitlist_entries_branch_id_day_status", "branch_id", "day", "status"),
    )

    branch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("branches.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                   ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    service_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=WaitlistStatus.WAITING.value, server_default="waiting")
    offer_booking_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="SET NULL"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyRecord(TenantOwned, Base):
    """The stored answer to a change made with an idempotency key, so a retry gets it back instead of a repeat."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(120))
    operation: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
