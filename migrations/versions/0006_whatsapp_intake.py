"""whatsapp intake: business numbers, inbound messages (the work queue) and delivery receipts

- whatsapp_numbers: Meta's phone_number_id -> the tenant and branch it belongs to, unique across all salons.
  Besides tenant_isolation it has a read-only platform_directory policy (as tenants has), so a webhook can be
  routed to its salon before the salon is known.
- inbound_messages: each message a customer sent, unique per (tenant, wamid) so a redelivery inserts nothing;
  the row is also the queue entry (status queued/processing/done/failed, attempts, last_error, processed_at).
- message_statuses: delivery receipts for our own messages, unique per (tenant, wamid, status).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:40:00
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INBOUND_KINDS = ("'text', 'interactive', 'button', 'audio', 'voice', 'image', 'location', 'reaction', "
                 "'unsupported'")


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def _tenant(table: str) -> list[Any]:
    return [sa.Column("tenant_id", sa.UUID(), nullable=False),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                    ondelete="CASCADE")]


def _branch(table: str) -> list[Any]:
    return [sa.Column("branch_id", sa.UUID(), nullable=False),
            sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f(f"fk_{table}_branch_id_branches"),
                                    ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "whatsapp_numbers",
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("display_phone", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        *_branch("whatsapp_numbers"),
        *_tenant("whatsapp_numbers"),
        sa.CheckConstraint("phone_number_id ~ '^[0-9]{1,32}$'",
                           name=op.f("ck_whatsapp_numbers_phone_number_id_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_numbers")),
        sa.UniqueConstraint("phone_number_id", name=op.f("uq_whatsapp_numbers_phone_number_id")),
    )
    op.create_index(op.f("ix_whatsapp_numbers_tenant_id"), "whatsapp_numbers", ["tenant_id"])
    op.create_index(op.f("ix_whatsapp_numbers_branch_id"), "whatsapp_numbers", ["branch_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("wamid", sa.String(length=128), nullable=False),
        sa.Column("customer_phone", sa.String(length=16), nullable=True),
        sa.Column("customer_user_id", sa.String(length=160), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reply_id", sa.String(length=256), nullable=True),
        sa.Column("reply_title", sa.String(length=200), nullable=True),
        sa.Column("media_id", sa.String(length=128), nullable=True),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("context_wamid", sa.String(length=128), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        *_branch("inbound_messages"),
        *_tenant("inbound_messages"),
        sa.CheckConstraint(f"kind IN ({INBOUND_KINDS})", name=op.f("ck_inbound_messages_kind_known")),
        sa.CheckConstraint("status IN ('queued', 'processing', 'done', 'failed')",
                           name=op.f("ck_inbound_messages_status_known")),
        sa.CheckConstraint("customer_phone IS NOT NULL OR customer_user_id IS NOT NULL",
                           name=op.f("ck_inbound_messages_customer_known")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_inbound_messages_attempts_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("tenant_id", "wamid", name=op.f("uq_inbound_messages_tenant_id_wamid")),
    )
    op.create_index(op.f("ix_inbound_messages_tenant_id"), "inbound_messages", ["tenant_id"])
    op.create_index(op.f("ix_inbound_messages_branch_id"), "inbound_messages", ["branch_id"])
    op.create_index("ix_inbound_messages_queued", "inbound_messages", ["id"],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_table(
        "message_statuses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("wamid", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recipient_phone", sa.String(length=16), nullable=True),
        sa.Column("recipient_user_id", sa.String(length=160), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("message_statuses"),
        sa.CheckConstraint("status IN ('sent', 'delivered', 'read', 'played', 'failed')",
                           name=op.f("ck_message_statuses_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_statuses")),
        sa.UniqueConstraint("tenant_id", "wamid", "status", name=op.f("uq_message_statuses_tenant_id_wamid_status")),
    )
    op.create_index(op.f("ix_message_statuses_tenant_id"), "message_statuses", ["tenant_id"])
    role = _app_role()
    for table in ("whatsapp_numbers", "inbound_messages", "message_statuses"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
    # A webhook names only the business number: a platform-scoped unit of work may read which salon owns it
    # (and nothing else of that salon's).
    op.execute("""CREATE POLICY platform_directory ON whatsapp_numbers FOR SELECT
                  USING (current_setting('app.platform', true) = 'on')""")


def downgrade() -> None:
    op.drop_table("message_statuses")
    op.drop_table("inbound_messages")
    op.drop_table("whatsapp_numbers")
