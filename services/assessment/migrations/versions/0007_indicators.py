"""Indicators (baseline, target, which way is better) and the measurements national systems report: members
read both, the lead defines indicators, a member country's national system reports its own measurements.

Revision ID: 0007_indicators
Revises: 0006_evaluators
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import TENANT_SQL, row_level_security
from services.kernel import partnership_members

revision = "0007_indicators"
down_revision = "0006_evaluators"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("baseline", sa.Numeric(18, 4), nullable=False),
        sa.Column("target", sa.Numeric(18, 4), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("partnership_id", "code", name="uq_indicator_code"),
        sa.CheckConstraint("direction IN ('increase', 'decrease')", name="indicator_direction"),
    )
    op.create_table(
        "indicator_measurements",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "indicator_id", UUID(as_uuid=True), sa.ForeignKey("indicators.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name="measurement_period"),
    )
    member = partnership_members.member_of_partnership(READ_MODEL, "indicators")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "indicators")
    row_level_security("indicators", read=member, write=lead, steer=lead)
    member = partnership_members.member_of_partnership(READ_MODEL, "indicator_measurements")
    own = f"({member}) AND indicator_measurements.country_code = {TENANT_SQL}"
    row_level_security("indicator_measurements", read=member, write=own, steer="false")


def downgrade() -> None:
    op.drop_table("indicator_measurements")
    op.drop_table("indicators")
