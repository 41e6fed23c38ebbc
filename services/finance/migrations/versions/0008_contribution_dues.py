"""Contribution instalments (assessed from budgets, pledged from money commitments), the payments against them
and the partnership's exchange rates.

An instalment is never paid beyond its amount (a CHECK), a pledge is scheduled once per commitment and
instalment (a unique index), and a rate is recorded once per currency pair and day. Members read all of it; the
lead writes it (the platform's consumer and scheduled commands do the rest).

Revision ID: 0008_contribution_dues
Revises: 0007_budgets
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0008_contribution_dues"
down_revision = "0007_budgets"
branch_labels = None
depends_on = None

TABLES = ("contribution_dues", "contribution_payments", "exchange_rates")


def upgrade() -> None:
    op.create_table(
        "contribution_dues",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("budget_id", UUID(as_uuid=True), sa.ForeignKey("budgets.id")),
        sa.Column("scale_id", UUID(as_uuid=True)),
        sa.Column("commitment_id", UUID(as_uuid=True)),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("paid", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_reason", sa.String(200)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("overdue_at", sa.DateTime(timezone=True)),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('assessed', 'pledge')", name="due_kind"),
        sa.CheckConstraint("status IN ('open', 'paid', 'superseded', 'cancelled')", name="due_status"),
        sa.CheckConstraint("amount > 0 AND paid >= 0 AND paid <= amount", name="due_paid_within_amount"),
        sa.CheckConstraint(
            "(kind = 'assessed') = (budget_id IS NOT NULL) AND (kind = 'pledge') = (commitment_id IS NOT NULL)",
            name="due_origin",
        ),
    )
    op.create_index(
        "ix_contribution_dues_open",
        "contribution_dues",
        ["due_on"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "uq_contribution_pledge_instalment",
        "contribution_dues",
        ["commitment_id", "number"],
        unique=True,
        postgresql_where=sa.text("kind = 'pledge'"),
    )
    op.create_table(
        "contribution_payments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "due_id", UUID(as_uuid=True), sa.ForeignKey("contribution_dues.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("paid_amount", sa.BigInteger, nullable=False),
        sa.Column("paid_currency", sa.String(3), nullable=False),
        sa.Column("credited", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.Numeric(24, 12)),
        sa.Column("rate_as_of", sa.Date),
        sa.Column("rate_source", sa.String(300)),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id"), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("paid_amount > 0 AND credited > 0", name="payment_positive"),
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("to_currency", sa.String(3), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rate", sa.Numeric(24, 12), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name="rate_positive"),
        sa.CheckConstraint("currency <> to_currency", name="rate_two_currencies"),
        sa.UniqueConstraint("partnership_id", "currency", "to_currency", "as_of", name="uq_rate_of_day"),
    )
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_row_level_security(table)
        op.drop_table(table)
