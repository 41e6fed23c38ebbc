"""Certifications: issued on a passed proficiency test, with an expiry in the issuing partnership's time zone.

Revision ID: 0004_certifications
Revises: 0003_facilities
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0004_certifications"
down_revision = "0003_facilities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certifications",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("trainee_id", sa.String(100), nullable=False),
        sa.Column("trainee_name", sa.String(200), nullable=False),
        sa.Column("agency_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("curriculum_ref", sa.String(200), nullable=False),
        sa.Column("competencies", postgresql.ARRAY(sa.String(100)), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("issuing_partnership_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("score", sa.Numeric(6, 2), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text()),
        sa.Column("status_changed_at", sa.DateTime(timezone=True)),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('valid', 'suspended', 'revoked')", name="certification_status"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="certification_level"),
        sa.CheckConstraint("expires_on > issued_on", name="certification_expiry"),
    )
    op.create_index("ix_certifications_trainee", "certifications", ["country_code", "trainee_id"])
    row_level_security("certifications", read=f"country_code = {TENANT_SQL}")


def downgrade() -> None:
    drop_row_level_security("certifications")
    op.drop_table("certifications")
