"""Joint procurement: processes, sealed bids, evaluators' declarations and scores, deliveries and the OCDS releases
published at each stage. The lead (the procuring entity) writes the process; an evaluator writes only its own
country's declarations and scores; members read all.

Revision ID: 0014_procurement
Revises: 0013_platforms
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import TENANT_SQL, row_level_security
from services.kernel import partnership_members

revision = "0014_procurement"
down_revision = "0013_platforms"
branch_labels = None
depends_on = None

READ_MODEL = "finance_partnerships"


def _procurement_fk() -> sa.Column:
    return sa.Column(
        "procurement_id", UUID(as_uuid=True), sa.ForeignKey("procurements.id"), nullable=False, index=True
    )


def _common() -> list[sa.Column]:
    return [
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "procurements",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("ocid", sa.String(100), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("estimated_amount", sa.BigInteger, nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("method", sa.String(10)),
        sa.Column("tender_ends_at", sa.DateTime(timezone=True)),
        sa.Column("bids_opened_at", sa.DateTime(timezone=True)),
        sa.Column("evaluators", JSONB, nullable=False),
        sa.Column("scores_needed", sa.Integer),
        sa.Column("awarded_bid_id", UUID(as_uuid=True)),
        sa.Column("awarded_amount", sa.BigInteger),
        sa.Column("awarded_at", sa.DateTime(timezone=True)),
        sa.Column("contract_signed_on", sa.Date),
        sa.Column("contract_ends_on", sa.Date),
        sa.Column("scale_id", UUID(as_uuid=True), sa.ForeignKey("contribution_scales.id")),
        sa.Column("shares", JSONB, nullable=False),
        sa.Column("reservation_transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("paid_amount", sa.BigInteger),
        sa.Column("payment_transfer_id", UUID(as_uuid=True), sa.ForeignKey("ledger_transfers.id")),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("cancellation_reason", sa.Text),
        sa.Column("releases", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
        sa.CheckConstraint("estimated_amount > 0", name="procurement_estimate"),
        sa.CheckConstraint(
            "stage IN ('planning', 'tender', 'evaluation', 'unsuccessful', 'awarded', 'contracted', "
            "'delivering', 'delivered', 'paid', 'cancelled')",
            name="procurement_stage",
        ),
        sa.CheckConstraint("paid_amount IS NULL OR paid_amount <= awarded_amount", name="procurement_paid"),
    )
    op.create_index("ix_procurements_partnership_id", "procurements", ["partnership_id"])
    op.create_table(
        "procurement_bids",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _procurement_fk(),
        sa.Column("supplier_name", sa.String(200), nullable=False),
        sa.Column("supplier_scheme", sa.String(40), nullable=False),
        sa.Column("supplier_identifier", sa.String(100), nullable=False),
        sa.Column("supplier_country_code", sa.String(2), nullable=False),
        sa.Column("unit_prices", JSONB, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
        sa.CheckConstraint("amount > 0", name="procurement_bid_amount"),
        sa.UniqueConstraint(
            "procurement_id", "supplier_scheme", "supplier_identifier", name="uq_procurement_bid_supplier"
        ),
    )
    op.create_table(
        "procurement_declarations",
        sa.Column("procurement_id", UUID(as_uuid=True), sa.ForeignKey("procurements.id"), primary_key=True),
        sa.Column("evaluator_subject", sa.String(200), primary_key=True),
        sa.Column("evaluator_country_code", sa.String(2), nullable=False),
        sa.Column("interests", JSONB, nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
    )
    op.create_table(
        "procurement_scores",
        sa.Column("bid_id", UUID(as_uuid=True), sa.ForeignKey("procurement_bids.id"), primary_key=True),
        sa.Column("evaluator_subject", sa.String(200), primary_key=True),
        sa.Column("procurement_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("evaluator_country_code", sa.String(2), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="procurement_score_range"),
    )
    op.create_table(
        "procurement_deliveries",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _procurement_fk(),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
    )
    op.create_table(
        "procurement_releases",
        sa.Column("id", sa.String(120), primary_key=True),
        _procurement_fk(),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("release", JSONB, nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        *_common(),
        sa.UniqueConstraint("procurement_id", "sequence", name="uq_procurement_release_sequence"),
    )
    for table in ("procurements", "procurement_bids", "procurement_deliveries", "procurement_releases"):
        lead = partnership_members.lead_of_partnership(READ_MODEL, table)
        read = partnership_members.member_of_partnership(READ_MODEL, table)
        row_level_security(table, read=read, write=lead, steer=lead)
    for table in ("procurement_declarations", "procurement_scores"):
        read = partnership_members.member_of_partnership(READ_MODEL, table)
        own = f"({read}) AND {table}.evaluator_country_code = {TENANT_SQL}"
        row_level_security(table, read=read, write=own, steer=own)


def downgrade() -> None:
    for table in (
        "procurement_releases",
        "procurement_deliveries",
        "procurement_scores",
        "procurement_declarations",
        "procurement_bids",
        "procurements",
    ):
        op.drop_table(table)
