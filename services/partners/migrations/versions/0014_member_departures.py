"""Ended memberships: the history of who left a partnership, when, why and on whose decision. The departed
country keeps reading its own departure; the members read all of the partnership's.

Revision ID: 0014_member_departures
Revises: 0013_audit_sealed
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import TENANT_SQL, row_level_security

revision = "0014_member_departures"
down_revision = "0013_audit_sealed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_departures",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("agency_id", UUID(as_uuid=True), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ended_by", sa.String(2), nullable=False),
        sa.Column("country_left", sa.Boolean, nullable=False),
        sa.Column("seats_ended", sa.Integer, nullable=False),
    )
    op.create_index("ix_member_departures_partnership_id", "member_departures", ["partnership_id"])
    member = (
        "EXISTS (SELECT 1 FROM partnership_members m "
        f"WHERE m.partnership_id = member_departures.partnership_id AND m.country_code = {TENANT_SQL})"
    )
    # Written with the membership row's removal, by the member country itself or the lead, both members then.
    row_level_security(
        "member_departures",
        read=f"({member}) OR country_code = {TENANT_SQL}",
        write=f"({member}) OR country_code = {TENANT_SQL}",
        steer="false",
    )


def downgrade() -> None:
    op.drop_table("member_departures")
