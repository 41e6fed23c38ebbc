"""Grant agreements from international organisations, regional pools and other donors: the amount agreed, its
conditions, the grant's own ledger account, and each receipt posted from it to the shared pool.

Revision ID: 0011_grants
Revises: 0010_spending
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0011_grants"
down_revision = "0010_spending"
branch_labels = None
depends_on = None

TABLES = ("grant_agreements", "grant_receipts")


def upgrade() -> None:
    op.create_table(
        "grant_agreements",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("donor_name", sa.String(200), nullable=False),
        sa.Column("donor_kind", sa.String(20), nullable=False),
        sa.Column("donor_ref", sa.String(100)),
        sa.Column("reference", sa.String(200)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("conditions", JSONB, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), sa.ForeignKey("ledger_accounts.id"), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0 AND received >= 0 AND received <= amount", name="grant_received"),
        sa.CheckConstraint("starts_on <= ends_on", name="grant_period"),
    )
    op.create_table(
        "grant_receipts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "grant_id", UUID(as_uuid=True), sa.ForeignKey("grant_agreements.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id"), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="receipt_amount"),
    )
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_row_level_security(table)
        op.drop_table(table)
