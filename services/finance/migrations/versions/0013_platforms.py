"""Digital learning platforms: subscriptions charged per period from the shared pool, each charge split between
the members by the contribution scale in force.

Revision ID: 0013_platforms
Revises: 0012_allowances
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import row_level_security
from services.kernel import partnership_members

revision = "0013_platforms"
down_revision = "0012_allowances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platforms",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_per_period", sa.BigInteger, nullable=False),
        sa.Column("period_months", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_per_period > 0", name="platform_amount"),
        sa.CheckConstraint("period_months IN (1, 3, 6, 12)", name="platform_period"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="platform_dates"),
    )
    op.create_table(
        "platform_charges",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "platform_id", UUID(as_uuid=True), sa.ForeignKey("platforms.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("scale_id", UUID(as_uuid=True), sa.ForeignKey("contribution_scales.id"), nullable=False),
        sa.Column("shares", JSONB, nullable=False),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id"), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("charged_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform_id", "period_start", name="uq_platform_period"),
    )
    for table in ("platforms", "platform_charges"):
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    op.drop_table("platform_charges")
    op.drop_table("platforms")
