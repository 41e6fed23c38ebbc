"""Revision requests from assessment findings next to the drills' ones, and their decision: the curriculum's
drafting country accepts one into a draft or declines it with a reason. Members still read them; only the
drafting country changes one.

Revision ID: 0021_revision_decisions
Revises: 0020_assessment_results
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0021_revision_decisions"
down_revision = "0020_assessment_results"
branch_labels = None
depends_on = None

READ = (
    f"({TENANT_SQL} = ANY(countries) OR EXISTS (SELECT 1 FROM known_partnerships p "
    "WHERE p.partnership_id = revision_requests.partnership_id))"
)
DRAFTER = (
    "EXISTS (SELECT 1 FROM curricula c WHERE c.id = revision_requests.curriculum_id "
    f"AND c.drafting_country_code = {TENANT_SQL})"
)


def upgrade() -> None:
    op.add_column(
        "revision_requests", sa.Column("source", sa.String(10), nullable=False, server_default="drill")
    )
    op.alter_column("revision_requests", "source", server_default=None)
    op.alter_column("revision_requests", "drill_id", nullable=True)
    op.alter_column("revision_requests", "rating", nullable=True)
    op.add_column("revision_requests", sa.Column("evidence", JSONB))
    op.add_column("revision_requests", sa.Column("decision_reason", sa.Text))
    op.add_column("revision_requests", sa.Column("draft_version", sa.Integer))
    op.add_column("revision_requests", sa.Column("decided_by", sa.String(200)))
    op.add_column("revision_requests", sa.Column("decided_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(
        "revision_request_source",
        "revision_requests",
        "source IN ('drill', 'assessment') AND (source = 'assessment' OR drill_id IS NOT NULL)",
    )
    op.create_check_constraint(
        "revision_request_status", "revision_requests", "status IN ('open', 'accepted', 'declined')"
    )
    drop_row_level_security("revision_requests")
    row_level_security("revision_requests", read=READ, steer=DRAFTER)


def downgrade() -> None:
    drop_row_level_security("revision_requests")
    row_level_security("revision_requests", read=READ)
    for name in ("revision_request_status", "revision_request_source"):
        # Under whichever name the naming convention gave it.
        op.execute(f"ALTER TABLE revision_requests DROP CONSTRAINT IF EXISTS {name}")
        op.execute(f"ALTER TABLE revision_requests DROP CONSTRAINT IF EXISTS ck_revision_requests_{name}")
    for column in ("decided_at", "decided_by", "draft_version", "decision_reason", "evidence", "source"):
        op.drop_column("revision_requests", column)
    op.alter_column("revision_requests", "rating", nullable=False)
    op.alter_column("revision_requests", "drill_id", nullable=False)
