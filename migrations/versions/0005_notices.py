"""notices: the event outbox, the customer message queue, feedback, and where each turn left the conversation

- domain_events: every domain event, written in the transaction of the change; handled_at once read.
- customer_messages: messages Cazo starts (confirmations, reminders, follow-ups, feedback requests, rebooking
  prompts), each due at a time, unique per (tenant, dedupe_key) so scheduling twice is a no-op.
- feedback: a rating 1-5 and a comment, one per booking.
- conversation_turns.step / outcome: the question a turn left open and what it achieved (analytics, follow-ups).
All tenant-owned with the tenant_isolation policy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:10:00
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("'booking_confirmation', 'booking_changed', 'booking_cancelled', 'reminder_day_before', 'reminder_soon', "
         "'abandoned_booking', 'feedback_request', 'rebook_prompt'")


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def _tenant(table: str) -> list[Any]:
    return [sa.Column("tenant_id", sa.UUID(), nullable=False),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                    ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("domain_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index(op.f("ix_domain_events_tenant_id"), "domain_events", ["tenant_id"])
    op.create_index("ix_domain_events_unhandled", "domain_events", ["tenant_id", "id"],
                    postgresql_where=sa.text("handled_at IS NULL"))
    op.create_table(
        "customer_messages",
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("promotional", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("template", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="scheduled", nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        *_tenant("customer_messages"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_customer_messages_kind_known")),
        sa.CheckConstraint("status IN ('scheduled', 'sent', 'cancelled', 'failed')",
                           name=op.f("ck_customer_messages_status_known")),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)",
                           name=op.f("ck_customer_messages_sent_when_sent")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_customer_messages_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"],
                                name=op.f("fk_customer_messages_booking_id_bookings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_messages")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_customer_messages_tenant_id_dedupe_key")),
    )
    op.create_index(op.f("ix_customer_messages_tenant_id"), "customer_messages", ["tenant_id"])
    op.create_index(op.f("ix_customer_messages_customer_id"), "customer_messages", ["customer_id"])
    op.create_index(op.f("ix_customer_messages_booking_id"), "customer_messages", ["booking_id"])
    op.create_index("ix_customer_messages_due", "customer_messages", ["status", "due_at"],
                    postgresql_where=sa.text("status = 'scheduled'"))
    op.create_table(
        "feedback",
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        *_tenant("feedback"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating_range")),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_feedback_booking_id_bookings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_feedback_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("tenant_id", "booking_id", name=op.f("uq_feedback_tenant_id_booking_id")),
    )
    op.create_index(op.f("ix_feedback_tenant_id"), "feedback", ["tenant_id"])
    op.create_index(op.f("ix_feedback_customer_id"), "feedback", ["customer_id"])
    op.add_column("conversation_turns", sa.Column("step", sa.String(length=30), nullable=True))
    op.add_column("conversation_turns", sa.Column("outcome", sa.String(length=20), nullable=True))
    role = _app_role()
    for table in ("domain_events", "customer_messages", "feedback"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.drop_column("conversation_turns", "outcome")
    op.drop_column("conversation_turns", "step")
    op.drop_table("feedback")
    op.drop_table("customer_messages")
    op.drop_table("domain_events")
