"""Results-gated funding tranches (reserved, then released or voided by their workflow) and the deadline
extensions asked of the oversight body. One extension asked at a time per tranche (a partial unique index).

Revision ID: 0009_funding_tranches
Revises: 0008_contribution_dues
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0009_funding_tranches"
down_revision = "0008_contribution_dues"
branch_labels = None
depends_on = None

TABLES = ("funding_tranches", "tranche_extensions")


def upgrade() -> None:
    op.create_table(
        "funding_tranches",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("from_account_id", UUID(as_uuid=True), sa.ForeignKey("ledger_accounts.id"), nullable=False),
        sa.Column("to_account_id", UUID(as_uuid=True), sa.ForeignKey("ledger_accounts.id"), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("target", sa.Numeric(24, 8), nullable=False),
        sa.Column("comparison", sa.String(10), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pending_transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("resolution_transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("measurement_id", sa.String(100)),
        sa.Column("measured_value", sa.Numeric(24, 8)),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("amount > 0", name="tranche_amount"),
        sa.CheckConstraint("comparison IN ('at_least', 'at_most')", name="tranche_comparison"),
        sa.CheckConstraint("status IN ('planned', 'reserved', 'released', 'voided')", name="tranche_status"),
        sa.CheckConstraint("from_account_id <> to_account_id", name="tranche_two_accounts"),
    )
    op.create_index("ix_funding_tranches_indicator", "funding_tranches", ["partnership_id", "indicator"])
    op.create_table(
        "tranche_extensions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "tranche_id", UUID(as_uuid=True), sa.ForeignKey("funding_tranches.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("requested_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision_id", UUID(as_uuid=True)),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('requested', 'granted', 'refused')", name="extension_status"),
    )
    op.create_index(
        "uq_tranche_one_extension_asked",
        "tranche_extensions",
        ["tranche_id"],
        unique=True,
        postgresql_where=sa.text("status = 'requested'"),
    )
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_row_level_security(table)
        op.drop_table(table)
