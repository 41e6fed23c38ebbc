"""Facility usage learnt from training's events, seen by the facility's owner and the booking country.

Revision ID: 0003_facility_usage
Revises: 0002_audit
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0003_facility_usage"
down_revision = "0002_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facility_usage",
        sa.Column("booking_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("facility_id", postgresql.UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("owner_country_code", sa.String(2), nullable=False),
        sa.Column("booked_by_country_code", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours > 0 AND attendees >= 0", name="usage_amounts"),
    )
    op.create_index("ix_facility_usage_page", "facility_usage", ["recorded_at", "booking_id"])
    row_level_security(
        "facility_usage",
        read=f"({TENANT_SQL} = owner_country_code OR {TENANT_SQL} = booked_by_country_code)",
    )


def downgrade() -> None:
    drop_row_level_security("facility_usage")
    op.drop_table("facility_usage")
