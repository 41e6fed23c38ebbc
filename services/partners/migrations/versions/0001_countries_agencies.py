"""Plumbing tables, countries and agencies.

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
        "countries",
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("code ~ '^[A-Z]{2}$'", name="iso_alpha2"),
    )
    op.create_table(
        "agencies",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency_type", sa.String(40), nullable=False),
        sa.Column("mandate", sa.Text()),
        sa.Column(
            "is_national_coordination_unit", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("status", sa.String(20), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.Column("confirmed_by", sa.String(200)),
        sa.Column("lapsed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'active', 'lapsed')", name="status"),
    )
    op.create_index("ix_agencies_country_code", "agencies", ["country_code"])
    op.create_index("ix_agencies_list", "agencies", ["registered_at", "id"])
    op.create_index(
        "uq_agencies_country_name", "agencies", ["country_code", sa.text("lower(name)")], unique=True
    )
    op.create_index(
        "uq_agencies_one_ncu_per_country",
        "agencies",
        ["country_code"],
        unique=True,
        postgresql_where=sa.text("is_national_coordination_unit"),
    )


def downgrade() -> None:
    op.drop_table("agencies")
    op.drop_table("countries")
    drop_plumbing_tables()
