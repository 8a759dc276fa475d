"""faq: the salon's own knowledge base, searched by sentence embedding (pgvector)

- faq_entries: a topic (unique per tenant), the ways customers ask it, answers per language (English required).
- faq_phrasings: one row per way of asking, with its sentence embedding (384 dimensions, MiniLM) and an HNSW
  index for cosine distance; a question is answered by the entry of its nearest phrasing.
Both tenant-owned with the tenant_isolation policy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:40:00
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("phrasings", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("answers ? 'en'", name=op.f("ck_faq_entries_english_answer")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_faq_entries_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    op.create_index(op.f("ix_faq_entries_tenant_id"), "faq_entries", ["tenant_id"])
    op.create_index("uq_faq_entries_tenant_id_topic", "faq_entries", ["tenant_id", "topic"], unique=True)
    op.create_table(
        "faq_phrasings",
        sa.Column("faq_entry_id", sa.UUID(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["faq_entry_id"], ["faq_entries.id"],
                                name=op.f("fk_faq_phrasings_faq_entry_id_faq_entries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_faq_phrasings_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_phrasings")),
    )
    op.create_index(op.f("ix_faq_phrasings_faq_entry_id"), "faq_phrasings", ["faq_entry_id"])
    op.create_index(op.f("ix_faq_phrasings_tenant_id"), "faq_phrasings", ["tenant_id"])
    op.execute("CREATE INDEX ix_faq_phrasings_embedding ON faq_phrasings USING hnsw (embedding vector_cosine_ops)")
    role = _app_role()
    for table in ("faq_entries", "faq_phrasings"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.drop_table("faq_phrasings")
    op.drop_table("faq_entries")
