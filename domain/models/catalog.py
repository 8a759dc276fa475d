"""The service menu: categories, services with prices in paise, and the resources each service needs."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, HasId, TenantOwned, Timestamps


class ServiceCategory(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "service_categories"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class Service(HasId, TenantOwned, Timestamps, Base):
    """A bookable service.

    ``processing_offset_min``/``processing_min`` describe a gap inside the service when the stylist is free
    (colour development): the stylist works from the start to the offset, is free for ``processing_min``, then
    finishes. ``buffer_after_min`` is clean-up time after the service in which nobody can be booked.
    """

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("duration_min BETWEEN 5 AND 720", name="duration_range"),
        CheckConstraint("buffer_after_min BETWEEN 0 AND 240", name="buffer_range"),
        CheckConstraint("price_paise >= 0", name="price_nonnegative"),
        CheckConstraint("sac_code ~ '^[0-9]{4,8}$'", name="sac_format"),
        CheckConstraint(
            "(processing_min = 0 AND processing_offset_min IS NULL) OR (processing_min > 0 AND "
            "processing_offset_min > 0 AND processing_offset_min + processing_min < duration_min)",
            name="processing_gap_inside_service"),
    )

    category_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True),
                                                   ForeignKey("service_categories.id", ondelete="RESTRICT"),
                                                   index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    duration_min: Mapped[int] = mapped_column(Integer)
    processing_offset_min: Mapped[int | None] = mapped_column(Integer)
    processing_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    buffer_after_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    price_paise: Mapped[int] = mapped_column(BigInteger)
    sac_code: Mapped[str] = mapped_column(String(8), default="999721", server_default="999721")
    tax_class: Mapped[str] = mapped_column(String(40), default="salon_services", server_default="salon_services")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sort_order: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    category: Mapped[ServiceCategory] = relationship()
    resource_needs: Mapped[list[ServiceResourceNeed]] = relationship(cascade="all, delete-orphan")


class ServiceResourceNeed(TenantOwned, Base):
    """How many of a resource type the service occupies for its duration (a chair, a wash basin)."""

    __tablename__ = "service_resource_needs"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    service_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("services.id", ondelete="CASCADE"),
                                                  primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
