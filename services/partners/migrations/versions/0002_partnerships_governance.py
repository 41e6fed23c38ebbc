"""Partnerships, their members, oversight bodies, decisions and votes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(30), nullable=False),
        sa.Column("agreement_kind", sa.String(10), nullable=False),
        sa.Column("agreement_reference", sa.String(200), nullable=False),
        sa.Column("agreement_signed_on", sa.Date(), nullable=False),
        sa.Column("agreement_starts_on", sa.Date(), nullable=False),
        sa.Column("agreement_ends_on", sa.Date(), nullable=False),
        sa.Column("confidentiality", sa.Text()),
        sa.Column("quorum_kind", sa.String(10), nullable=False),
        sa.Column("approvals_needed", sa.Integer()),
        sa.Column("country_share", sa.Float()),
        sa.Column("registered_at", TS, nullable=False),
        sa.CheckConstraint(
            "phase IN ('familiarization', 'co_design', 'exercises', 'sustainment')", name="phase"
        ),
        sa.CheckConstraint("agreement_kind IN ('treaty', 'mou')", name="agreement_kind"),
        sa.CheckConstraint("agreement_ends_on > agreement_starts_on", name="agreement_period"),
        sa.CheckConstraint(
            "(quorum_kind = 'members' AND approvals_needed >= 1 AND country_share IS NULL) OR "
            "(quorum_kind = 'countries' AND country_share > 0 AND country_share <= 1 AND approvals_needed IS NULL)",
            name="voting_rule",
        ),
    )
    op.create_index("uq_partnerships_name", "partnerships", [sa.text("lower(name)")], unique=True)
    op.create_index("ix_partnerships_list", "partnerships", ["registered_at", "id"])
    op.create_table(
        "partnership_members",
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), primary_key=True),
        sa.Column("agency_id", UUID, sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('lead', 'member', 'host', 'observer')", name="role"),
    )
    op.create_index("ix_partnership_members_country", "partnership_members", ["country_code"])
    op.create_table(
        "oversight_members",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("holds_veto", sa.Boolean(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.CheckConstraint(
            "role IN ('diplomat', 'senior_police_official', 'justice_ministry_representative')", name="role"
        ),
    )
    op.create_index("ix_oversight_members_partnership_id", "oversight_members", ["partnership_id"])
    op.create_table(
        "decisions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("electorate", postgresql.JSONB(), nullable=False),
        sa.Column("rule", postgresql.JSONB(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('phase_gate', 'budget', 'curriculum_approval', 'dispute_resolution')", name="kind"
        ),
        sa.CheckConstraint(
            "outcome IN ('open', 'approved', 'rejected', 'vetoed', 'expired')", name="outcome"
        ),
    )
    op.create_index("ix_decisions_partnership_id", "decisions", ["partnership_id"])
    op.create_table(
        "votes",
        sa.Column("decision_id", UUID, sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("member_id", UUID, primary_key=True),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("cast_at", TS, nullable=False),
        sa.CheckConstraint("choice IN ('approve', 'reject', 'abstain')", name="choice"),
    )


def downgrade() -> None:
    for table in ("votes", "decisions", "oversight_members", "partnership_members", "partnerships"):
        op.drop_table(table)
