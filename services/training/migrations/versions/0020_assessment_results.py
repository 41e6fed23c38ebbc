"""Assessment results learnt from the assessment service (the evidence a certification is issued on), readable by
the trainee's country only; the certification keeps the assessment it was issued on.

Revision ID: 0020_assessment_results
Revises: 0019_renewal_effects
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from backbone.migrations import TENANT_SQL, row_level_security

revision = "0020_assessment_results"
down_revision = "0019_renewal_effects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_results",
        sa.Column("assessment_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("trainee_id", sa.String(64), nullable=False, index=True),
        sa.Column("trainee_country_code", sa.String(2), nullable=False),
        sa.Column("competency", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("percent", sa.Numeric(5, 1), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("failed_dimensions", ARRAY(sa.String(60)), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Written by the consumer (the platform); read by the trainee's country, which certifies its officers.
    row_level_security("assessment_results", read=f"trainee_country_code = {TENANT_SQL}", write="false")
    op.add_column("certifications", sa.Column("assessment_id", UUID(as_uuid=True)))


def downgrade() -> None:
    op.drop_column("certifications", "assessment_id")
    op.drop_table("assessment_results")
