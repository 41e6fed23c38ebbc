"""xAPI statements from learning platforms and the module progress folded from them.

Revision ID: 0010_learning_progress
Revises: 0009_cohorts
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0010_learning_progress"
down_revision = "0009_cohorts"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
THEIRS = f"({TENANT_SQL} = country_code OR {TENANT_SQL} = organiser_country_code)"
"""A trainee's learning record: their country's and the organiser's, like their nomination."""


def upgrade() -> None:
    op.create_table(
        "learning_statements",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("cohort_id", UUID, sa.ForeignKey("cohorts.id"), nullable=False, index=True),
        sa.Column("nomination_id", UUID, sa.ForeignKey("nominations.id"), nullable=False, index=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("organiser_country_code", sa.String(2), nullable=False),
        sa.Column("module_code", sa.String(60), nullable=False),
        sa.Column("verb", sa.String(12), nullable=False),
        sa.Column("score", sa.Numeric(5, 4)),
        sa.Column("success", sa.Boolean()),
        sa.Column("seconds", sa.Integer()),
        sa.Column("timestamp", WHEN, nullable=False),
        sa.Column("statement", postgresql.JSONB(), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("stored_at", WHEN, nullable=False),
    )
    row_level_security("learning_statements", read=THEIRS)
    op.create_table(
        "module_progress",
        sa.Column("nomination_id", UUID, sa.ForeignKey("nominations.id"), primary_key=True),
        sa.Column("module_code", sa.String(60), primary_key=True),
        sa.Column("cohort_id", UUID, sa.ForeignKey("cohorts.id"), nullable=False, index=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("organiser_country_code", sa.String(2), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Numeric(5, 4)),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN),
        sa.CheckConstraint("status IN ('started', 'failed', 'completed')", name="progress_status"),
    )
    row_level_security("module_progress", read=THEIRS)


def downgrade() -> None:
    for table in ("module_progress", "learning_statements"):
        drop_row_level_security(table)
        op.drop_table(table)
