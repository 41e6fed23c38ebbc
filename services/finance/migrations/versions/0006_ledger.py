"""The ledger: accounts with their balances and immutable, balanced transfers (single, pending, post, void,
expire), confined to the partnership's members; the partnerships read model behind it.

Balances cannot overdraw an account that forbids it: a CHECK on the balance row, so no interleaving of
concurrent transfers gets past it. Transfers are append-only (a trigger), a pending transfer is resolved once
(a unique index), and amounts are positive integers in minor units.

Revision ID: 0006_ledger
Revises: 0005_audit_sealed
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0006_ledger"
down_revision = "0005_audit_sealed"
branch_labels = None
depends_on = None

READ_MODEL = "finance_partnerships"


def upgrade() -> None:
    partnership_members.create_table("finance_partnerships")
    op.create_table(
        "ledger_accounts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country_code", sa.String(2)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("debits_must_not_exceed_credits", sa.Boolean, nullable=False),
        sa.Column("credits_must_not_exceed_debits", sa.Boolean, nullable=False),
        sa.Column("debits_pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("debits_posted", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("credits_pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("credits_posted", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="account_currency"),
        sa.CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0 AND credits_pending >= 0 AND credits_posted >= 0",
            name="account_balances_not_negative",
        ),
        sa.CheckConstraint(
            "NOT debits_must_not_exceed_credits OR debits_pending + debits_posted <= credits_posted",
            name="account_debits_within_credits",
        ),
        sa.CheckConstraint(
            "NOT credits_must_not_exceed_debits OR credits_pending + credits_posted <= debits_posted",
            name="account_credits_within_debits",
        ),
        sa.CheckConstraint(
            "NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)", name="account_flags"
        ),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column(
            "debit_account_id", UUID(as_uuid=True), sa.ForeignKey("ledger_accounts.id"), nullable=False
        ),
        sa.Column(
            "credit_account_id", UUID(as_uuid=True), sa.ForeignKey("ledger_accounts.id"), nullable=False
        ),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("pending_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("user_data", sa.String(200)),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
        sa.CheckConstraint("amount > 0", name="transfer_amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="transfer_two_accounts"),
        sa.CheckConstraint(
            "kind IN ('single', 'pending', 'post_pending', 'void_pending', 'expire_pending')",
            name="transfer_kind",
        ),
        sa.CheckConstraint(
            "(pending_id IS NOT NULL) = (kind IN ('post_pending', 'void_pending', 'expire_pending'))",
            name="transfer_pending_reference",
        ),
        sa.CheckConstraint("(expires_at IS NULL) OR kind = 'pending'", name="transfer_timeout_on_pending"),
    )
    op.create_index("ix_ledger_transfers_debit", "ledger_transfers", ["debit_account_id", "sequence"])
    op.create_index("ix_ledger_transfers_credit", "ledger_transfers", ["credit_account_id", "sequence"])
    # A pending transfer is posted, voided or expired once, whatever races.
    op.create_index(
        "uq_ledger_pending_resolved",
        "ledger_transfers",
        ["pending_id"],
        unique=True,
        postgresql_where=sa.text("pending_id IS NOT NULL"),
    )
    op.create_index(
        "ix_ledger_pending_expiry",
        "ledger_transfers",
        ["expires_at"],
        postgresql_where=sa.text("kind = 'pending' AND expires_at IS NOT NULL"),
    )
    op.execute(
        """
        CREATE FUNCTION ledger_transfer_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger transfers are immutable: a correction is a reversing transfer'
                USING ERRCODE = '55000';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers "
        "FOR EACH ROW EXECUTE FUNCTION ledger_transfer_immutable()"
    )
    for table in ("ledger_accounts", "ledger_transfers"):
        # Members read their partnership's ledger; only the lead (and the platform's own work) writes it.
        # Seeing is not steering: a member's UPDATE, DELETE or lock finds no row (the platform, `*`, does all).
        lead = partnership_members.lead_of_partnership(READ_MODEL, table)
        read = partnership_members.member_of_partnership(READ_MODEL, table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in ("ledger_transfers", "ledger_accounts"):
        drop_row_level_security(table)
    op.execute("DROP TABLE ledger_transfers")
    op.execute("DROP FUNCTION ledger_transfer_immutable()")
    op.drop_table("ledger_accounts")
    op.drop_table("finance_partnerships")
