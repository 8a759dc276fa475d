"""booking engine: staff busy time, holds, waitlist, idempotency, booking policy

- booking_items gain the processing gap and the end of the clean-up buffer, and a generated multirange
  ``staff_busy`` (start to gap, gap end to buffer end). The exclusion constraint moves onto it, so a stylist can
  serve someone else while a colour develops, but never during the buffer.
- 'expired' joins the statuses (a hold nobody confirmed in time).
- branches gain the booking policy: slot grid, minimum lead time, horizon, hold length.
- waitlist_entries and idempotency_keys, both tenant-owned with the tenant_isolation policy.
- a trigram index over service names and aliases for fuzzy and Hinglish search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:13:05.261635
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NEW_TABLES = ("idempotency_keys", "waitlist_entries")
STATUSES_BEFORE = "('held', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show')"
STATUSES_AFTER = "('held', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', 'expired')"
ACTIVE = "('held', 'confirmed', 'checked_in')"


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def _statuses(values: str) -> None:
    for table in ("bookings", "booking_items"):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_status_known")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_status_known CHECK (status IN {values})")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("operation", sa.String(length=60), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_idempotency_keys_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_tenant_id"), "idempotency_keys", ["tenant_id"], unique=False)
    op.create_table(
        "waitlist_entries",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("staff_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="waiting", nullable=False),
        sa.Column("offer_booking_id", sa.UUID(), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status <> 'offered' OR (offer_booking_id IS NOT NULL AND offer_expires_at IS NOT NULL)",
            name=op.f("ck_waitlist_entries_offer_recorded"),
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'lapsed', 'cancelled')",
            name=op.f("ck_waitlist_entries_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_waitlist_entries_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_waitlist_entries_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_booking_id"],
            ["bookings.id"],
            name=op.f("fk_waitlist_entries_offer_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_waitlist_entries_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_waitlist_entries_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "ix_waitlist_entries_branch_id_day_status", "waitlist_entries", ["branch_id", "day", "status"], unique=False
    )
    op.create_index(op.f("ix_waitlist_entries_customer_id"), "waitlist_entries", ["customer_id"], unique=False)
    op.create_index(op.f("ix_waitlist_entries_tenant_id"), "waitlist_entries", ["tenant_id"], unique=False)
    op.add_column("booking_items", sa.Column("gap_starts_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("booking_items", sa.Column("gap_ends_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("booking_items", sa.Column("busy_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "booking_items",
        sa.Column(
            "staff_busy",
            postgresql.TSTZMULTIRANGE(),
            sa.Computed(
                "tstzmultirange(tstzrange(starts_at, coalesce(gap_starts_at, starts_at), '[)'), "
                "tstzrange(coalesce(gap_ends_at, starts_at), coalesce(busy_until, ends_at), '[)'))",
                persisted=True,
            ),
            nullable=False,
        ),
    )
    op.add_column("bookings", sa.Column("cancelled_by", sa.String(length=10), nullable=True))
    op.add_column("bookings", sa.Column("reschedule_count", sa.SmallInteger(), server_default="0", nullable=False))
    op.add_column("branches", sa.Column("slot_minutes", sa.SmallInteger(), server_default="15", nullable=False))
    op.add_column("branches", sa.Column("min_lead_min", sa.Integer(), server_default="60", nullable=False))
    op.add_column("branches", sa.Column("horizon_days", sa.SmallInteger(), server_default="60", nullable=False))
    op.add_column("branches", sa.Column("hold_minutes", sa.SmallInteger(), server_default="10", nullable=False))
    op.create_check_constraint(
        "gap_both_or_neither", "booking_items", "(gap_starts_at IS NULL) = (gap_ends_at IS NULL)"
    )
    op.create_check_constraint(
        "gap_inside_item",
        "booking_items",
        "gap_starts_at IS NULL OR "
        "(starts_at < gap_starts_at AND gap_starts_at < gap_ends_at AND gap_ends_at < ends_at)",
    )
    op.create_check_constraint("busy_until_after_end", "booking_items", "busy_until IS NULL OR busy_until >= ends_at")
    op.execute("ALTER TABLE booking_items DROP CONSTRAINT ex_booking_items_no_staff_overlap")
    op.execute(f"""ALTER TABLE booking_items ADD CONSTRAINT ex_booking_items_no_staff_overlap
                   EXCLUDE USING gist (staff_id WITH =, staff_busy WITH &&) WHERE (status IN {ACTIVE})""")
    _statuses(STATUSES_AFTER)
    # Finds the holds to expire and the items of a branch's day.
    op.create_index("ix_bookings_branch_id_status_hold", "bookings", ["branch_id", "status", "hold_expires_at"])
    op.create_check_constraint("slot_minutes_grid", "branches", "slot_minutes IN (5, 10, 15, 20, 30, 60)")
    op.create_check_constraint("min_lead_nonnegative", "branches", "min_lead_min >= 0")
    op.create_check_constraint("horizon_range", "branches", "horizon_days BETWEEN 1 AND 365")
    op.create_check_constraint("hold_range", "branches", "hold_minutes BETWEEN 1 AND 120")

    op.execute("""
        CREATE FUNCTION cazo_service_search_text(name text, aliases text[]) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT lower(name || ' ' || array_to_string(aliases, ' ')) $$""")
    op.execute("DROP INDEX ix_services_name_trgm")
    op.execute(
        "CREATE INDEX ix_services_search_trgm ON services "
        "USING gin (cazo_service_search_text(name, aliases) gin_trgm_ops)"
    )

    role = _app_role()
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_services_search_trgm")
    op.execute("DROP FUNCTION cazo_service_search_text(text, text[])")
    op.execute("CREATE INDEX ix_services_name_trgm ON services USING gin (lower(name) gin_trgm_ops)")
    # Expired holds become cancelled ones: the old schema has no 'expired'.
    op.execute("UPDATE bookings SET status = 'cancelled', cancel_reason = 'hold expired' WHERE status = 'expired'")
    op.execute("UPDATE booking_items SET status = 'cancelled' WHERE status = 'expired'")
    _statuses(STATUSES_BEFORE)
    op.execute("ALTER TABLE booking_items DROP CONSTRAINT ex_booking_items_no_staff_overlap")
    op.drop_index("ix_bookings_branch_id_status_hold", table_name="bookings")
    for name in ("slot_minutes_grid", "min_lead_nonnegative", "horizon_range", "hold_range"):
        op.drop_constraint(f"ck_branches_{name}", "branches")
    for name in ("gap_both_or_neither", "gap_inside_item", "busy_until_after_end"):
        op.drop_constraint(f"ck_booking_items_{name}", "booking_items")
    op.drop_column("branches", "hold_minutes")
    op.drop_column("branches", "horizon_days")
    op.drop_column("branches", "min_lead_min")
    op.drop_column("branches", "slot_minutes")
    op.drop_column("bookings", "reschedule_count")
    op.drop_column("bookings", "cancelled_by")
    op.drop_column("booking_items", "staff_busy")
    op.drop_column("booking_items", "busy_until")
    op.drop_column("booking_items", "gap_ends_at")
    op.drop_column("booking_items", "gap_starts_at")
    op.execute(f"""ALTER TABLE booking_items ADD CONSTRAINT ex_booking_items_no_staff_overlap
                   EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
                   WHERE (status IN {ACTIVE})""")
    op.drop_index(op.f("ix_waitlist_entries_tenant_id"), table_name="waitlist_entries")
    op.drop_index(op.f("ix_waitlist_entries_customer_id"), table_name="waitlist_entries")
    op.drop_index("ix_waitlist_entries_branch_id_day_status", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_index(op.f("ix_idempotency_keys_tenant_id"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
