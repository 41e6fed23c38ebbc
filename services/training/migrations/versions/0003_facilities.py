"""Facilities owned by a partner agency and shared with named countries; bookings that can never overlap.

The overlap rule is PostgreSQL's (an exclusion constraint on the facility and the booked period, for active
bookings), not a check in Python: concurrent requests for the same slot cannot both commit.

Revision ID: 0003_facilities
Revises: 0002_audit
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0003_facilities"
down_revision = "0002_audit"
branch_labels = None
depends_on = None

VISIBLE = f"(owner_country_code = {TENANT_SQL} OR {TENANT_SQL} = ANY(shared_with))"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")  # uuid equality inside a GiST exclusion
    op.create_table(
        "facilities",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("owner_agency_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("owner_country_code", sa.String(2), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("shared_with", postgresql.ARRAY(sa.String(2)), nullable=False, server_default="{}"),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('classroom', 'simulator', 'field_site', 'virtual_lab')", name="facility_kind"
        ),
        sa.CheckConstraint("capacity > 0", name="facility_capacity"),
    )
    op.create_index("ix_facilities_list", "facilities", ["registered_at", "id"])
    op.create_table(
        "facility_bookings",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "facility_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("facilities.id"), nullable=False
        ),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("purpose", sa.String(300), nullable=False),
        sa.Column("cohort_id", postgresql.UUID(as_uuid=True)),
        sa.Column("booked_by_agency_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("booked_by_country_code", sa.String(2), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("used_hours", sa.Numeric(8, 2)),
        sa.Column("attendees", sa.Integer()),
        sa.Column("usage_recorded_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name="booking_status"),
        sa.CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)", name="booking_period"
        ),
    )
    op.execute(
        "ALTER TABLE facility_bookings ADD CONSTRAINT facility_bookings_no_overlap "
        "EXCLUDE USING gist (facility_id WITH =, period WITH &&) WHERE (status = 'active')"
    )
    op.create_index("ix_facility_bookings_facility", "facility_bookings", ["facility_id", "booked_at"])
    row_level_security("facilities", read=VISIBLE, write=f"owner_country_code = {TENANT_SQL}")
    # A booking is seen by whoever sees its facility (the subquery is itself confined).
    row_level_security(
        "facility_bookings",
        read="EXISTS (SELECT 1 FROM facilities f WHERE f.id = facility_bookings.facility_id)",
    )


def downgrade() -> None:
    drop_row_level_security("facility_bookings")
    drop_row_level_security("facilities")
    op.drop_table("facility_bookings")
    op.drop_table("facilities")
