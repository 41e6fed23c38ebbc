"""What training made of a drill's findings about training: accepted into a curriculum draft, or declined with a
reason (training.revision_request_decided.v1), kept on the finding.

Revision ID: 0011_finding_outcomes
Revises: 0010_audit_sealed
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_finding_outcomes"
down_revision = "0010_audit_sealed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("drill_findings", sa.Column("training_outcome", sa.String(10)))
    op.add_column("drill_findings", sa.Column("training_reason", sa.Text))
    op.add_column("drill_findings", sa.Column("training_draft_version", sa.Integer))
    op.add_column("drill_findings", sa.Column("training_decided_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for column in ("training_decided_at", "training_draft_version", "training_reason", "training_outcome"):
        op.drop_column("drill_findings", column)
