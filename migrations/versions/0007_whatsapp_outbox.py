"""whatsapp processing: the outbox of messages to send, and what the worker needs on inbound messages

- outbound_messages: each reply or notice to send, unique per (tenant, dedupe_key) so a turn handled twice queues
  its replies once, and per (tenant, wamid) once Meta accepted it; status queued/sending/sent/delivered/read/failed/
  cancelled with attempts, next_attempt_at and the last error for staff.
- inbound_messages.retry_at (a failed attempt waits until then) and handled_as (the turn's wamid: a quick burst of
  messages is answered as one turn), and an index on (tenant_id, customer_phone, sent_at) for the 24-hour window.
- customer_messages.status gains 'queued' (handed to the outbox).
- Read-only platform_queue policies on inbound_messages, outbound_messages and customer_messages, limited to the
  rows still waiting for a worker: a worker finds which salons have work before it opens a salon's own unit of
  work to do it. Handled rows (the conversation history) stay visible to their own salon only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 06:00:00
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOUND_STATUSES = "'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'cancelled'"
# Each queue table and the rows of it still waiting for a worker: all a platform-scoped unit of work may read.
QUEUE_TABLES = {"inbound_messages": "status = 'queued'",
                "outbound_messages": "status IN ('queued', 'sending')",
                "customer_messages": "status = 'scheduled'"}


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("to_phone", sa.String(length=16), nullable=True),
        sa.Column("to_user_id", sa.String(length=160), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("inbound_wamid", sa.String(length=128), nullable=True),
        sa.Column("customer_message_id", sa.UUID(), nullable=True),
        sa.Column("promotional", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("template", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("sent_as", sa.String(length=10), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("wamid", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("source IN ('reply', 'notice')", name=op.f("ck_outbound_messages_source_known")),
        sa.CheckConstraint(f"status IN ({OUTBOUND_STATUSES})", name=op.f("ck_outbound_messages_status_known")),
        sa.CheckConstraint("phone_number_id ~ '^[0-9]{1,32}$'",
                           name=op.f("ck_outbound_messages_phone_number_id_format")),
        sa.CheckConstraint("to_phone IS NOT NULL OR to_user_id IS NOT NULL",
                           name=op.f("ck_outbound_messages_recipient_known")),
        sa.CheckConstraint("status NOT IN ('sent', 'delivered', 'read') OR wamid IS NOT NULL",
                           name=op.f("ck_outbound_messages_sent_has_wamid")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbound_messages_attempts_nonnegative")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_outbound_messages_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_outbound_messages_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_message_id"], ["customer_messages.id"],
                                name=op.f("fk_outbound_messages_customer_message_id_customer_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_outbound_messages_tenant_id_dedupe_key")),
        sa.UniqueConstraint("tenant_id", "wamid", name=op.f("uq_outbound_messages_tenant_id_wamid")),
    )
    op.create_index(op.f("ix_outbound_messages_tenant_id"), "outbound_messages", ["tenant_id"])
    op.create_index(op.f("ix_outbound_messages_customer_id"), "outbound_messages", ["customer_id"])
    op.create_index(op.f("ix_outbound_messages_customer_message_id"), "outbound_messages", ["customer_message_id"])
    op.create_index("ix_outbound_messages_queued", "outbound_messages", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_index("ix_outbound_messages_customer_pending", "outbound_messages", ["tenant_id", "customer_id", "id"],
                    postgresql_where=sa.text("status IN ('queued', 'sending')"))
    op.add_column("inbound_messages", sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("inbound_messages", sa.Column("handled_as", sa.String(length=128), nullable=True))
    # the worker's lanes: one customer's queued messages (who = phone, else the WhatsApp user id)
    op.create_index("ix_inbound_messages_queued_lane", "inbound_messages",
                    ["tenant_id", sa.text("coalesce(customer_phone, customer_user_id)"), "sent_at"],
                    postgresql_where=sa.text("status = 'queued'"))
    # the 24-hour window: when did this customer last write?
    op.create_index("ix_inbound_messages_customer_phone_sent_at", "inbound_messages",
                    ["tenant_id", "customer_phone", "sent_at"])
    op.drop_constraint(op.f("ck_customer_messages_status_known"), "customer_messages", type_="check")
    op.create_check_constraint(op.f("ck_customer_messages_status_known"), "customer_messages",
                               "status IN ('scheduled', 'queued', 'sent', 'cancelled', 'failed')")
    role = _app_role()
    op.execute("ALTER TABLE outbound_messages ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE outbound_messages FORCE ROW LEVEL SECURITY")
    op.execute("""CREATE POLICY tenant_isolation ON outbound_messages
                  USING (tenant_id = cazo_current_tenant())
                  WITH CHECK (tenant_id = cazo_current_tenant())""")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbound_messages TO {role}")
    for table, waiting in QUEUE_TABLES.items():
        op.execute(f"""CREATE POLICY platform_queue ON {table} FOR SELECT
                       USING (current_setting('app.platform', true) = 'on' AND {waiting})""")


def downgrade() -> None:
    for table in QUEUE_TABLES:
        op.execute(f"DROP POLICY IF EXISTS platform_queue ON {table}")
    op.execute("UPDATE customer_messages SET status = 'scheduled' WHERE status = 'queued'")
    op.drop_constraint(op.f("ck_customer_messages_status_known"), "customer_messages", type_="check")
    op.create_check_constraint(op.f("ck_customer_messages_status_known"), "customer_messages",
                               "status IN ('scheduled', 'sent', 'cancelled', 'failed')")
    op.execute("DROP INDEX IF EXISTS ix_inbound_messages_customer_phone_sent_at")
    op.execute("DROP INDEX IF EXISTS ix_inbound_messages_queued_lane")
    op.drop_column("inbound_messages", "handled_as")
    op.drop_column("inbound_messages", "retry_at")
    op.drop_table("outbound_messages")
