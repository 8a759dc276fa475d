"""Customers of a salon brand, keyed by their E.164 phone number, with their consent record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, DateTime, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, HasId, TenantOwned, Timestamps, sql_in


class Language(StrEnum):
    EN = "en"
    HI = "hi"
    HINGLISH = "hinglish"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Channel(StrEnum):
    """Where a booking or a consent came from."""

    WHATSAPP = "whatsapp"
    CONSOLE = "console"
    WIDGET = "widget"
    WALK_IN = "walk_in"
    IMPORT = "import"


class Customer(HasId, TenantOwned, Timestamps, Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone_e164"),
        CheckConstraint("phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'", name="phone_e164"),
        CheckConstraint(f"gender IS NULL OR gender IN {sql_in(Gender)}", name="gender_known"),
        CheckConstraint(f"language IN {sql_in(Language)}", name="language_known"),
        CheckConstraint(f"marketing_consent_source IS NULL OR marketing_consent_source IN {sql_in(Channel)}",
                        name="consent_source_known"),
        CheckConstraint("NOT marketing_consent OR (marketing_consent_at IS NOT NULL AND "
                        "marketing_consent_source IS NOT NULL)", name="consent_recorded"),
        CheckConstraint("NOT opted_out OR opted_out_at IS NOT NULL", name="opt_out_recorded"),
        CheckConstraint("NOT (opted_out AND marketing_consent)", name="opt_out_withdraws_consent"),
    )

    phone_e164: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(120))
    gender: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(10), default=Language.EN.value, server_default="en")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    marketing_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    marketing_consent_source: Mapped[str | None] = mapped_column(String(20))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
