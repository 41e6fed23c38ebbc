"""Spending from what training does: the rate card of a partnership (versioned), facility use priced by it and
settled to the host periodically, and instructor stipends payable from delivered assignments.

Revision ID: 0010_spending
Revises: 0009_funding_tranches
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0010_spending"
down_revision = "0009_funding_tranches"
branch_labels = None
depends_on = None

TABLES = ("rate_cards", "facility_charges", "stipends")


def upgrade() -> None:
    op.create_table(
        "rate_cards",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("facility_rates", JSONB, nullable=False),
        sa.Column("stipend_rates", JSONB, nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("partnership_id", "version", name="uq_rate_card_version"),
    )
    op.create_table(
        "facility_charges",
        sa.Column("booking_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("cohort_id", UUID(as_uuid=True)),
        sa.Column("facility_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("host_country_code", sa.String(2), nullable=False),
        sa.Column("user_country_code", sa.String(2), nullable=False),
        sa.Column("hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rate_card_id", UUID(as_uuid=True), sa.ForeignKey("rate_cards.id")),
        sa.Column("per_hour", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount", sa.BigInteger),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("settlement_id", UUID(as_uuid=True)),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("accrued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('unpriced', 'accrued', 'settled')", name="charge_status"),
        sa.CheckConstraint("(status = 'unpriced') = (amount IS NULL)", name="charge_priced"),
        sa.CheckConstraint("(status = 'settled') = (transfer_id IS NOT NULL)", name="charge_settled"),
    )
    op.create_index(
        "ix_facility_charges_to_settle",
        "facility_charges",
        ["partnership_id", "host_country_code"],
        postgresql_where=sa.text("status = 'accrued'"),
    )
    op.create_table(
        "stipends",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("cohort_id", UUID(as_uuid=True), nullable=False),
        sa.Column("assignment_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("instructor_country_code", sa.String(2), nullable=False),
        sa.Column("role", sa.String(4), nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("rate_card_id", UUID(as_uuid=True), sa.ForeignKey("rate_cards.id")),
        sa.Column("per_day", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount", sa.BigInteger),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('unpriced', 'payable', 'paid')", name="stipend_status"),
        sa.CheckConstraint("(status = 'unpriced') = (amount IS NULL)", name="stipend_priced"),
        sa.CheckConstraint("(status = 'paid') = (transfer_id IS NOT NULL)", name="stipend_paid"),
        sa.CheckConstraint("days >= 1", name="stipend_days"),
    )
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_row_level_security(table)
        op.drop_table(table)
