"""Trainees' travel and subsistence allowances for cohorts attended abroad, priced by the rate card's new
allowance rates (per venue country, or any).

Revision ID: 0012_allowances
Revises: 0011_grants
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import row_level_security
from services.kernel import partnership_members

revision = "0012_allowances"
down_revision = "0011_grants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rate_cards",
        sa.Column("allowance_rates", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.create_table(
        "allowances",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("cohort_id", UUID(as_uuid=True), nullable=False),
        sa.Column("nomination_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("trainee_country_code", sa.String(2), nullable=False),
        sa.Column("venue_country_code", sa.String(2), nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("rate_card_id", UUID(as_uuid=True), sa.ForeignKey("rate_cards.id")),
        sa.Column("travel", sa.BigInteger),
        sa.Column("subsistence", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount", sa.BigInteger),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('unpriced', 'payable', 'paid')", name="allowance_status"),
        sa.CheckConstraint("(status = 'unpriced') = (amount IS NULL)", name="allowance_priced"),
        sa.CheckConstraint("(status = 'paid') = (transfer_id IS NOT NULL)", name="allowance_paid"),
        sa.CheckConstraint("amount IS NULL OR amount = travel + subsistence", name="allowance_adds_up"),
        sa.CheckConstraint("days >= 1", name="allowance_days"),
        sa.CheckConstraint("trainee_country_code <> venue_country_code", name="allowance_abroad"),
    )
    lead = partnership_members.lead_of_partnership("finance_partnerships", "allowances")
    read = partnership_members.member_of_partnership("finance_partnerships", "allowances")
    row_level_security("allowances", read=read, write=lead, steer=lead)


def downgrade() -> None:
    op.drop_table("allowances")
    op.drop_column("rate_cards", "allowance_rates")
