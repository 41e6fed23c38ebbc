"""Capacity profiles per agency and competency, with history.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_profiles",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("agency_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("competency", sa.String(100), nullable=False),
        sa.Column("current_level", sa.Integer(), nullable=False),
        sa.Column("target_level", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("current_level BETWEEN 0 AND 5 AND target_level BETWEEN 0 AND 5", name="levels"),
    )
    op.create_index(
        "ix_capacity_profiles_agency", "capacity_profiles", ["agency_id", "competency", "recorded_at"]
    )


def downgrade() -> None:
    op.drop_table("capacity_profiles")
