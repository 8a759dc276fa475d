"""core schema: tenancy, staff, catalog, customers, bookings, audit, RLS

Creates the extensions (vector, btree_gist, pg_trgm), the application role (no BYPASSRLS), every core table,
the exclusion constraint against double-booked staff, and a tenant_isolation policy on every tenant-owned table.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:48:20.389685
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


EXTENSIONS = ("vector", "btree_gist", "pg_trgm")

# Frozen here on purpose: later migrations add their own tables to RLS; this one must not change meaning.
TENANT_TABLES = (
    "audit_log",
    "booking_items",
    "bookings",
    "branch_holidays",
    "branch_hours",
    "branches",
    "commission_plans",
    "customers",
    "resources",
    "service_categories",
    "service_resource_needs",
    "services",
    "staff",
    "staff_breaks",
    "staff_leave",
    "staff_shifts",
    "staff_skills",
)
# The application may add to the audit log and read it, never rewrite it.
APPEND_ONLY = ("audit_log",)


def _app_role() -> str:
    role = context.config.attributes.get("app_role") or os.environ.get("DATABASE_APP_ROLE", "cazo_app")
    if not role.replace("_", "").isalnum() or not role.islower():
        raise ValueError(f"invalid application role name {role!r}")
    return str(role)


def upgrade() -> None:
    role = _app_role()
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    # Roles are cluster-wide: create once, reuse in every database of the cluster (tests make many).
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END $$""")
    # The connecting user switches to the role as each connection opens, so it must be allowed to SET it.
    # PostgreSQL 16 split membership into ADMIN/INHERIT/SET options, and a CREATEROLE creator holds only ADMIN.
    op.execute(f"""
        DO $$
        BEGIN
            IF current_setting('server_version_num')::int >= 160000 THEN
                EXECUTE format('GRANT {role} TO %I WITH SET TRUE, INHERIT FALSE', current_user);
            ELSIF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
            END IF;
        END $$""")
    op.execute("""
        CREATE FUNCTION cazo_current_tenant() RETURNS uuid
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$""")

    op.create_table(
        "tenants",
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f("ck_tenants_slug_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("action IN ('create', 'update', 'delete')", name=op.f("ck_audit_log_action_known")),
        sa.CheckConstraint(
            "actor_type IN ('staff', 'customer', 'system', 'api')", name=op.f("ck_audit_log_actor_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_log_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_tenant_id"), "audit_log", ["tenant_id"], unique=False)
    op.create_table(
        "branches",
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("locality", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("state_code", sa.String(length=2), nullable=False),
        sa.Column("pincode", sa.String(length=6), nullable=True),
        sa.Column("gstin", sa.String(length=15), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="Asia/Kolkata", nullable=False),
        sa.Column("phone_e164", sa.String(length=16), nullable=True),
        sa.Column("cancellation_window_min", sa.Integer(), server_default="120", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "gstin IS NULL OR (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$' AND left(gstin, 2) = state_code)",
            name=op.f("ck_branches_gstin_matches_state"),
        ),
        sa.CheckConstraint("pincode IS NULL OR pincode ~ '^[1-9][0-9]{5}$'", name=op.f("ck_branches_pincode_format")),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f("ck_branches_slug_format")),
        sa.CheckConstraint("state_code ~ '^[0-9]{2}$'", name=op.f("ck_branches_state_code_format")),
        sa.CheckConstraint("cancellation_window_min >= 0", name=op.f("ck_branches_cancellation_window_nonnegative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_branches_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_branches_tenant_id_slug")),
    )
    op.create_index(op.f("ix_branches_tenant_id"), "branches", ["tenant_id"], unique=False)
    op.create_table(
        "commission_plans",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("service_rate_bp", sa.Integer(), nullable=False),
        sa.Column("product_rate_bp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("product_rate_bp BETWEEN 0 AND 10000", name=op.f("ck_commission_plans_product_rate_range")),
        sa.CheckConstraint("service_rate_bp BETWEEN 0 AND 10000", name=op.f("ck_commission_plans_service_rate_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_commission_plans_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_plans")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_commission_plans_tenant_id_name")),
    )
    op.create_index(op.f("ix_commission_plans_tenant_id"), "commission_plans", ["tenant_id"], unique=False)
    op.create_table(
        "customers",
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=10), server_default="en", nullable=False),
        sa.Column("marketing_consent", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("marketing_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marketing_consent_source", sa.String(length=20), nullable=True),
        sa.Column("opted_out", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "gender IS NULL OR gender IN ('female', 'male', 'other')", name=op.f("ck_customers_gender_known")
        ),
        sa.CheckConstraint("language IN ('en', 'hi', 'hinglish')", name=op.f("ck_customers_language_known")),
        sa.CheckConstraint(
            "marketing_consent_source IS NULL OR "
            "marketing_consent_source IN ('whatsapp', 'console', 'widget', 'walk_in', 'import')",
            name=op.f("ck_customers_consent_source_known"),
        ),
        sa.CheckConstraint("phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'", name=op.f("ck_customers_phone_e164")),
        sa.CheckConstraint(
            "NOT (opted_out AND marketing_consent)", name=op.f("ck_customers_opt_out_withdraws_consent")
        ),
        sa.CheckConstraint(
            "NOT marketing_consent OR (marketing_consent_at IS NOT NULL AND marketing_consent_source IS NOT NULL)",
            name=op.f("ck_customers_consent_recorded"),
        ),
        sa.CheckConstraint("NOT opted_out OR opted_out_at IS NOT NULL", name=op.f("ck_customers_opt_out_recorded")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_customers_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("tenant_id", "phone_e164", name=op.f("uq_customers_tenant_id_phone_e164")),
    )
    op.create_index(op.f("ix_customers_tenant_id"), "customers", ["tenant_id"], unique=False)
    op.create_table(
        "service_categories",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_service_categories_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_categories")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_service_categories_tenant_id_name")),
    )
    op.create_index(op.f("ix_service_categories_tenant_id"), "service_categories", ["tenant_id"], unique=False)
    op.create_table(
        "bookings",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "source IN ('whatsapp', 'console', 'widget', 'walk_in')", name=op.f("ck_bookings_source_known")
        ),
        sa.CheckConstraint("status <> 'held' OR hold_expires_at IS NOT NULL", name=op.f("ck_bookings_hold_expires")),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show')",
            name=op.f("ck_bookings_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_bookings_branch_id_branches"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bookings_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bookings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(op.f("ix_bookings_branch_id"), "bookings", ["branch_id"], unique=False)
    op.create_index(op.f("ix_bookings_customer_id"), "bookings", ["customer_id"], unique=False)
    op.create_index(op.f("ix_bookings_tenant_id"), "bookings", ["tenant_id"], unique=False)
    op.create_table(
        "branch_holidays",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_branch_holidays_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_branch_holidays_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_holidays")),
        sa.UniqueConstraint("branch_id", "day", name=op.f("uq_branch_holidays_branch_id_day")),
    )
    op.create_index(op.f("ix_branch_holidays_branch_id"), "branch_holidays", ["branch_id"], unique=False)
    op.create_index(op.f("ix_branch_holidays_tenant_id"), "branch_holidays", ["tenant_id"], unique=False)
    op.create_table(
        "branch_hours",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_branch_hours_closes_after_opening")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_branch_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_branch_hours_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_branch_hours_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_hours")),
        sa.UniqueConstraint(
            "branch_id", "weekday", "opens_at", name=op.f("uq_branch_hours_branch_id_weekday_opens_at")
        ),
    )
    op.create_index(op.f("ix_branch_hours_branch_id"), "branch_hours", ["branch_id"], unique=False)
    op.create_index(op.f("ix_branch_hours_tenant_id"), "branch_hours", ["tenant_id"], unique=False)
    op.create_table(
        "resources",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("resource_type ~ '^[a-z][a-z0-9_]{1,39}$'", name=op.f("ck_resources_type_format")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_resources_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_resources_branch_id_branches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_resources_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("branch_id", "resource_type", name=op.f("uq_resources_branch_id_resource_type")),
    )
    op.create_index(op.f("ix_resources_branch_id"), "resources", ["branch_id"], unique=False)
    op.create_index(op.f("ix_resources_tenant_id"), "resources", ["tenant_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("processing_offset_min", sa.Integer(), nullable=True),
        sa.Column("processing_min", sa.Integer(), server_default="0", nullable=False),
        sa.Column("buffer_after_min", sa.Integer(), server_default="0", nullable=False),
        sa.Column("price_paise", sa.BigInteger(), nullable=False),
        sa.Column("sac_code", sa.String(length=8), server_default="999721", nullable=False),
        sa.Column("tax_class", sa.String(length=40), server_default="salon_services", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("sac_code ~ '^[0-9]{4,8}$'", name=op.f("ck_services_sac_format")),
        sa.CheckConstraint(
            "(processing_min = 0 AND processing_offset_min IS NULL) OR (processing_min > 0 AND "
            "processing_offset_min > 0 AND processing_offset_min + processing_min < duration_min)",
            name=op.f("ck_services_processing_gap_inside_service"),
        ),
        sa.CheckConstraint("buffer_after_min BETWEEN 0 AND 240", name=op.f("ck_services_buffer_range")),
        sa.CheckConstraint("duration_min BETWEEN 5 AND 720", name=op.f("ck_services_duration_range")),
        sa.CheckConstraint("price_paise >= 0", name=op.f("ck_services_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_services_category_id_service_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_services_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_services_tenant_id_name")),
    )
    op.create_index(op.f("ix_services_category_id"), "services", ["category_id"], unique=False)
    op.create_index(op.f("ix_services_tenant_id"), "services", ["tenant_id"], unique=False)
    op.create_table(
        "staff",
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("phone_e164", sa.String(length=16), nullable=True),
        sa.Column("seniority", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("commission_plan_id", sa.UUID(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "phone_e164 IS NULL OR phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'", name=op.f("ck_staff_phone_e164")
        ),
        sa.CheckConstraint("role IN ('owner', 'manager', 'front_desk', 'stylist')", name=op.f("ck_staff_role_known")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_staff_branch_id_branches"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["commission_plan_id"],
            ["commission_plans.id"],
            name=op.f("fk_staff_commission_plan_id_commission_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("tenant_id", "phone_e164", name=op.f("uq_staff_tenant_id_phone_e164")),
    )
    op.create_index(op.f("ix_staff_branch_id"), "staff", ["branch_id"], unique=False)
    op.create_index(op.f("ix_staff_commission_plan_id"), "staff", ["commission_plan_id"], unique=False)
    op.create_index(op.f("ix_staff_tenant_id"), "staff", ["tenant_id"], unique=False)
    op.create_table(
        "booking_items",
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("staff_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("price_paise", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("staff_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=sa.text("status IN ('held', 'confirmed', 'checked_in')"),
            using="gist",
            name="ex_booking_items_no_staff_overlap",
        ),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show')",
            name=op.f("ck_booking_items_status_known"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_booking_items_ends_after_start")),
        sa.CheckConstraint("price_paise >= 0", name=op.f("ck_booking_items_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_items_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_booking_items_branch_id_branches"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_booking_items_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_booking_items_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_booking_items_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_items")),
    )
    op.create_index(op.f("ix_booking_items_booking_id"), "booking_items", ["booking_id"], unique=False)
    op.create_index("ix_booking_items_branch_id_starts_at", "booking_items", ["branch_id", "starts_at"], unique=False)
    op.create_index(op.f("ix_booking_items_service_id"), "booking_items", ["service_id"], unique=False)
    op.create_index(op.f("ix_booking_items_staff_id"), "booking_items", ["staff_id"], unique=False)
    op.create_index(op.f("ix_booking_items_tenant_id"), "booking_items", ["tenant_id"], unique=False)
    op.create_table(
        "service_resource_needs",
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_service_resource_needs_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_resource_needs_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_service_resource_needs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "resource_type", name=op.f("pk_service_resource_needs")),
    )
    op.create_index(op.f("ix_service_resource_needs_tenant_id"), "service_resource_needs", ["tenant_id"], unique=False)
    op.create_table(
        "staff_breaks",
        sa.Column("staff_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("label", sa.String(length=60), server_default="Break", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_staff_breaks_ends_after_start")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_staff_breaks_weekday_range")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_breaks_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_breaks_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_breaks")),
    )
    op.create_index(op.f("ix_staff_breaks_staff_id"), "staff_breaks", ["staff_id"], unique=False)
    op.create_index(op.f("ix_staff_breaks_tenant_id"), "staff_breaks", ["tenant_id"], unique=False)
    op.create_table(
        "staff_leave",
        sa.Column("staff_id", sa.UUID(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_staff_leave_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_leave_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_leave_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_leave")),
    )
    op.create_index(op.f("ix_staff_leave_staff_id"), "staff_leave", ["staff_id"], unique=False)
    op.create_index(op.f("ix_staff_leave_tenant_id"), "staff_leave", ["tenant_id"], unique=False)
    op.create_table(
        "staff_shifts",
        sa.Column("staff_id", sa.UUID(), nullable=False),
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_staff_shifts_ends_after_start")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_staff_shifts_weekday_range")),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_staff_shifts_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_shifts_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_shifts_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_shifts")),
        sa.UniqueConstraint(
            "staff_id", "weekday", "starts_at", name=op.f("uq_staff_shifts_staff_id_weekday_starts_at")
        ),
    )
    op.create_index(op.f("ix_staff_shifts_branch_id"), "staff_shifts", ["branch_id"], unique=False)
    op.create_index(op.f("ix_staff_shifts_staff_id"), "staff_shifts", ["staff_id"], unique=False)
    op.create_index(op.f("ix_staff_shifts_tenant_id"), "staff_shifts", ["tenant_id"], unique=False)
    op.create_table(
        "staff_skills",
        sa.Column("staff_id", sa.UUID(), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_staff_skills_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_skills_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_skills_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", "service_id", name=op.f("pk_staff_skills")),
    )
    op.create_index(op.f("ix_staff_skills_service_id"), "staff_skills", ["service_id"], unique=False)
    op.create_index(op.f("ix_staff_skills_tenant_id"), "staff_skills", ["tenant_id"], unique=False)
    op.execute("CREATE INDEX ix_services_name_trgm ON services USING gin (lower(name) gin_trgm_ops)")

    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    # Readiness checks read the schema revision through the application's own pool.
    op.execute(f"GRANT SELECT ON alembic_version TO {role}")
    op.execute("ALTER TABLE tenants ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenants FORCE ROW LEVEL SECURITY")
    op.execute("""CREATE POLICY tenant_self ON tenants
                  USING (id = cazo_current_tenant()) WITH CHECK (id = cazo_current_tenant())""")
    # A platform-scoped unit of work (seeding, routing a webhook to its salon) may look tenants up; it still
    # sees no tenant-owned rows without a tenant.
    op.execute("""CREATE POLICY platform_directory ON tenants FOR SELECT
                  USING (current_setting('app.platform', true) = 'on')""")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO {role}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"""CREATE POLICY tenant_isolation ON {table}
                       USING (tenant_id = cazo_current_tenant())
                       WITH CHECK (tenant_id = cazo_current_tenant())""")
        privileges = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        op.execute(f"GRANT {privileges} ON {table} TO {role}")


def downgrade() -> None:
    role = _app_role()
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    op.drop_index(op.f("ix_staff_skills_tenant_id"), table_name="staff_skills")
    op.drop_index(op.f("ix_staff_skills_service_id"), table_name="staff_skills")
    op.drop_table("staff_skills")
    op.drop_index(op.f("ix_staff_shifts_tenant_id"), table_name="staff_shifts")
    op.drop_index(op.f("ix_staff_shifts_staff_id"), table_name="staff_shifts")
    op.drop_index(op.f("ix_staff_shifts_branch_id"), table_name="staff_shifts")
    op.drop_table("staff_shifts")
    op.drop_index(op.f("ix_staff_leave_tenant_id"), table_name="staff_leave")
    op.drop_index(op.f("ix_staff_leave_staff_id"), table_name="staff_leave")
    op.drop_table("staff_leave")
    op.drop_index(op.f("ix_staff_breaks_tenant_id"), table_name="staff_breaks")
    op.drop_index(op.f("ix_staff_breaks_staff_id"), table_name="staff_breaks")
    op.drop_table("staff_breaks")
    op.drop_index(op.f("ix_service_resource_needs_tenant_id"), table_name="service_resource_needs")
    op.drop_table("service_resource_needs")
    op.drop_index(op.f("ix_booking_items_tenant_id"), table_name="booking_items")
    op.drop_index(op.f("ix_booking_items_staff_id"), table_name="booking_items")
    op.drop_index(op.f("ix_booking_items_service_id"), table_name="booking_items")
    op.drop_index("ix_booking_items_branch_id_starts_at", table_name="booking_items")
    op.drop_index(op.f("ix_booking_items_booking_id"), table_name="booking_items")
    op.drop_table("booking_items")
    op.drop_index(op.f("ix_staff_tenant_id"), table_name="staff")
    op.drop_index(op.f("ix_staff_commission_plan_id"), table_name="staff")
    op.drop_index(op.f("ix_staff_branch_id"), table_name="staff")
    op.drop_table("staff")
    op.drop_index(op.f("ix_services_tenant_id"), table_name="services")
    op.drop_index(op.f("ix_services_category_id"), table_name="services")
    op.drop_table("services")
    op.drop_index(op.f("ix_resources_tenant_id"), table_name="resources")
    op.drop_index(op.f("ix_resources_branch_id"), table_name="resources")
    op.drop_table("resources")
    op.drop_index(op.f("ix_branch_hours_tenant_id"), table_name="branch_hours")
    op.drop_index(op.f("ix_branch_hours_branch_id"), table_name="branch_hours")
    op.drop_table("branch_hours")
    op.drop_index(op.f("ix_branch_holidays_tenant_id"), table_name="branch_holidays")
    op.drop_index(op.f("ix_branch_holidays_branch_id"), table_name="branch_holidays")
    op.drop_table("branch_holidays")
    op.drop_index(op.f("ix_bookings_tenant_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_customer_id"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_branch_id"), table_name="bookings")
    op.drop_table("bookings")
    op.drop_index(op.f("ix_service_categories_tenant_id"), table_name="service_categories")
    op.drop_table("service_categories")
    op.drop_index(op.f("ix_customers_tenant_id"), table_name="customers")
    op.drop_table("customers")
    op.drop_index(op.f("ix_commission_plans_tenant_id"), table_name="commission_plans")
    op.drop_table("commission_plans")
    op.drop_index(op.f("ix_branches_tenant_id"), table_name="branches")
    op.drop_table("branches")
    op.drop_index(op.f("ix_audit_log_tenant_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("tenants")
    op.execute("DROP FUNCTION cazo_current_tenant()")
    # The role stays: it is cluster-wide and other databases on the same server may still use it.
    for extension in reversed(EXTENSIONS):
        op.execute(f"DROP EXTENSION IF EXISTS {extension}")
