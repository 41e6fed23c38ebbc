"""Plumbing tables and the read model of agencies.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import create_plumbing_tables, drop_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plumbing_tables()
    op.create_table(
        "known_agencies",
        sa.Column("agency_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("country_name", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency_type", sa.String(40), nullable=False),
        sa.Column("is_national_coordination_unit", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_event_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_known_agencies_country_code", "known_agencies", ["country_code"])
    op.create_index("ix_known_agencies_list", "known_agencies", ["registered_at", "agency_id"])


def downgrade() -> None:
    op.drop_table("known_agencies")
    drop_plumbing_tables()
