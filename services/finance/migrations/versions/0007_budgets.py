"""Budgets (per partnership and fiscal period, in versions adopted by the oversight body), the contribution
scale's basis (capacity indicators, floor, ceiling, minimum) and each computation of the scale.

Members read all of it; the lead writes it (the platform's consumer settles decisions and recomputes scales).
A budget has one proposal in flight at a time (a partial unique index), and its versions are numbered.

Revision ID: 0007_budgets
Revises: 0006_ledger
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0007_budgets"
down_revision = "0006_ledger"
branch_labels = None
depends_on = None

TABLES = ("budgets", "budget_versions", "contribution_bases", "contribution_scales")


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("fiscal_period", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("adopted_version", sa.Integer),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("partnership_id", "fiscal_period", name="uq_budget_period"),
        sa.CheckConstraint("starts_on <= ends_on", name="budget_period_order"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="budget_currency"),
    )
    op.create_table(
        "budget_versions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("budget_id", UUID(as_uuid=True), sa.ForeignKey("budgets.id"), nullable=False, index=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_id", UUID(as_uuid=True)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("budget_id", "number", name="uq_budget_version_number"),
        sa.CheckConstraint(
            "status IN ('proposed', 'adopted', 'rejected', 'superseded')", name="budget_version_status"
        ),
        sa.CheckConstraint("total > 0", name="budget_version_total"),
    )
    op.create_index(
        "uq_budget_one_proposal",
        "budget_versions",
        ["budget_id"],
        unique=True,
        postgresql_where=sa.text("status = 'proposed'"),
    )
    op.create_table(
        "contribution_bases",
        sa.Column("partnership_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("indicator", sa.String(200), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("indicators", JSONB, nullable=False),
        sa.Column("floor", sa.Numeric(9, 8), nullable=False),
        sa.Column("ceiling", sa.Numeric(9, 8), nullable=False),
        sa.Column("minimum_amount", sa.BigInteger, nullable=False),
        sa.Column("installments", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("floor >= 0 AND floor <= ceiling AND ceiling <= 1", name="basis_bounds"),
        sa.CheckConstraint("minimum_amount >= 0", name="basis_minimum"),
        sa.CheckConstraint("installments BETWEEN 1 AND 12", name="basis_installments"),
    )
    op.create_table(
        "contribution_scales",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("budget_id", UUID(as_uuid=True), sa.ForeignKey("budgets.id"), nullable=False, index=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("budget_version", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("inputs", JSONB, nullable=False),
        sa.Column("steps", JSONB, nullable=False),
        sa.Column("amounts", JSONB, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    )
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        row_level_security(table, read=read, write=lead, steer=lead)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_row_level_security(table)
        op.drop_table(table)
