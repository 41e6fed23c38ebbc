"""Rubric versions co-designed like curricula: the lead submits a draft to the partnership's oversight body (a
decision in the partners service); the decision publishes it or rejects it.

Revision ID: 0009_rubric_approval
Revises: 0008_findings
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0009_rubric_approval"
down_revision = "0008_findings"
branch_labels = None
depends_on = None

STATUS = "ck_rubric_versions_rubric_version_status"
"""As 0005 named it (its table's constraint, named by the metadata's naming convention)."""


def upgrade() -> None:
    op.drop_constraint(op.f(STATUS), "rubric_versions")
    op.create_check_constraint(
        op.f(STATUS), "rubric_versions", "status IN ('draft', 'submitted', 'published', 'rejected')"
    )
    op.add_column("rubric_versions", sa.Column("decide_by", sa.DateTime(timezone=True)))
    op.add_column("rubric_versions", sa.Column("submitted_at", sa.DateTime(timezone=True)))
    op.add_column("rubric_versions", sa.Column("decision_id", UUID(as_uuid=True)))
    op.add_column("rubric_versions", sa.Column("decision_outcome", sa.String(10)))


def downgrade() -> None:
    for column in ("decision_outcome", "decision_id", "submitted_at", "decide_by"):
        op.drop_column("rubric_versions", column)
    op.drop_constraint(op.f(STATUS), "rubric_versions")
    op.create_check_constraint(op.f(STATUS), "rubric_versions", "status IN ('draft', 'published')")
