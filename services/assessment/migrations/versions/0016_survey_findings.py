"""Findings from surveys beside those from rubrics: a question rated low, with the survey's figures, asks training
to revise a curriculum; rubric columns become optional.

Revision ID: 0016_survey_findings
Revises: 0015_mentorships
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0016_survey_findings"
down_revision = "0015_mentorships"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("rubric_id", "rubric_version_id", "criterion_id"):
        op.alter_column("findings", column, nullable=True)
    op.add_column("findings", sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id")))
    op.add_column("findings", sa.Column("question_id", sa.String(60)))
    op.create_check_constraint("finding_source", "findings", "(rubric_id IS NULL) <> (survey_id IS NULL)")


def downgrade() -> None:
    op.execute("ALTER TABLE findings DROP CONSTRAINT IF EXISTS ck_findings_finding_source")
    op.execute("ALTER TABLE findings DROP CONSTRAINT IF EXISTS finding_source")
    op.drop_column("findings", "question_id")
    op.drop_column("findings", "survey_id")
    for column in ("criterion_id", "rubric_version_id", "rubric_id"):
        op.alter_column("findings", column, nullable=False)
