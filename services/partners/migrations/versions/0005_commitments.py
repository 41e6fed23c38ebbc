"""Commitments per partner (money, instructors, facility time, seats) and their renewal chain.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("agency_id", UUID, sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("priorities", sa.Text()),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("signed_by", sa.String(200), nullable=False),
        sa.Column("renews_id", UUID, sa.ForeignKey("commitments.id")),
        sa.Column("renewal_timers", postgresql.JSONB(), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("renewal_requested_at", TS),
        sa.Column("concluded_at", TS),
        sa.Column("conclusion_reason", sa.Text()),
        sa.CheckConstraint("kind IN ('money', 'instructors', 'facility_time', 'seats')", name="kind"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("(kind = 'money') = (currency IS NOT NULL)", name="currency_for_money"),
        sa.CheckConstraint("ends_on > starts_on", name="period"),
        sa.CheckConstraint(
            "status IN ('active', 'renewal_pending', 'renewed', 'renegotiated', 'lapsed')", name="status"
        ),
    )
    op.create_index("ix_commitments_list", "commitments", ["partnership_id", "registered_at", "id"])
    op.create_index("ix_commitments_agency", "commitments", ["agency_id"])
    # A commitment is renewed at most once: its successor is unique.
    op.create_index(
        "uq_commitments_renews",
        "commitments",
        ["renews_id"],
        unique=True,
        postgresql_where=sa.text("renews_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("commitments")
