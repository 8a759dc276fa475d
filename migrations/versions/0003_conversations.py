"""conversations: one row per customer turn, and handoffs to a person

- conversation_turns: intent, tier, confidence, flow, language, latency, and the large model's tokens and cost of
  every handled message; the channel's
  message id is unique per tenant, so a redelivered webhook is recorded once.
- handoffs: reason, recent transcript, open/closed; at most one open per conversation.
Both are tenant-owned with the tenant_isolation policy. (The LangGraph checkpoint tables live in their own schema,
created by ``cazo db migrate`` through the checkpointer's own setup, not here.)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:40:00
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("conversation_turns", "handoffs")


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def upgrade() -> None:
    op.create_table(
        "conversation_turns",
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("intent", sa.String(length=20), nullable=False),
        sa.Column("tier", sa.String(length=2), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("flow", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completion_tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cost_usd", sa.Float(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("tier IN ('L1', 'L2', 'L3', '-')", name=op.f("ck_conversation_turns_tier_known")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_conversation_turns_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_conversation_turns_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_turns")),
    )
    op.create_index(op.f("ix_conversation_turns_customer_id"), "conversation_turns", ["customer_id"])
    op.create_index(op.f("ix_conversation_turns_tenant_id"), "conversation_turns", ["tenant_id"])
    op.create_index("ix_conversation_turns_tenant_id_created_at", "conversation_turns", ["tenant_id", "created_at"])
    op.create_index("uq_conversation_turns_tenant_id_message_id", "conversation_turns", ["tenant_id", "message_id"],
                    unique=True, postgresql_where=sa.text("message_id IS NOT NULL"))
    op.create_table(
        "handoffs",
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transcript", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)",
                           name=op.f("ck_handoffs_closed_when_closed")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_handoffs_status_known")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_handoffs_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_handoffs_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_customer_id"), "handoffs", ["customer_id"])
    op.create_index(op.f("ix_handoffs_tenant_id"), "handoffs", ["tenant_id"])
    op.create_index("uq_handoffs_tenant_id_thread_id_open", "handoffs", ["tenant_id", "thread_id"], unique=True,
                    postgresql_where=sa.text("status = 'open'"))

    role = _app_role()
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.drop_table("handoffs")
    op.drop_table("conversation_turns")
