"""Decisions another service asked for name their subject (e.g. a curriculum version), once each.

Revision ID: 0011_decision_subject
Revises: 0010_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_decision_subject"
down_revision = "0010_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("subject", sa.String(200)))
    op.create_index(
        "decisions_subject_once",
        "decisions",
        ["subject"],
        unique=True,
        postgresql_where=sa.text("subject IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("decisions_subject_once", table_name="decisions")
    op.drop_column("decisions", "subject")
