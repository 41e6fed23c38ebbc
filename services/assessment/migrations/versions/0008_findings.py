"""Findings: a criterion often failed, raised by the lead as a curriculum revision request to training, with
training's answer. Members read them; only the lead raises one; training's answer is written by the consumer.

Revision ID: 0008_findings
Revises: 0007_indicators
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import row_level_security
from services.kernel import partnership_members

revision = "0008_findings"
down_revision = "0007_indicators"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("rubric_id", UUID(as_uuid=True), sa.ForeignKey("rubrics.id"), nullable=False, index=True),
        sa.Column(
            "rubric_version_id", UUID(as_uuid=True), sa.ForeignKey("rubric_versions.id"), nullable=False
        ),
        sa.Column("criterion_id", sa.String(60), nullable=False),
        sa.Column("curriculum_id", UUID(as_uuid=True), nullable=False),
        sa.Column("module_ids", JSONB, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("raised_by_country_code", sa.String(2), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("outcome_reason", sa.Text),
        sa.Column("draft_version", sa.Integer),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.CheckConstraint("status IN ('raised', 'accepted', 'declined')", name="finding_status"),
    )
    member = partnership_members.member_of_partnership(READ_MODEL, "findings")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "findings")
    row_level_security("findings", read=member, write=lead, steer="false")


def downgrade() -> None:
    op.drop_table("findings")
