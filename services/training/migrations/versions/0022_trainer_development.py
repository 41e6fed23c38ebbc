"""Trainer development actions from assessment findings: one per instructor concerned, followed up by the
instructor's country.

Revision ID: 0022_trainer_development
Revises: 0021_revision_decisions
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import TENANT_SQL, row_level_security

revision = "0022_trainer_development"
down_revision = "0021_revision_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainer_development_actions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "instructor_id", UUID(as_uuid=True), sa.ForeignKey("instructors.id"), nullable=False, index=True
        ),
        sa.Column(
            "revision_request_id",
            UUID(as_uuid=True),
            sa.ForeignKey("revision_requests.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("completion_note", sa.Text),
        sa.UniqueConstraint("instructor_id", "revision_request_id", name="uq_development_action"),
        sa.CheckConstraint("status IN ('open', 'done')", name="development_action_status"),
    )
    own = f"trainer_development_actions.country_code = {TENANT_SQL}"
    row_level_security("trainer_development_actions", read=own, write=own)


def downgrade() -> None:
    op.drop_table("trainer_development_actions")
