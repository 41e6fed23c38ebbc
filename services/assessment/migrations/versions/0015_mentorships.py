"""Who mentors whom, as training announces it (training.mentorship_recorded.v1): an evaluator never assesses a
trainee it mentored. Written by the consumer only; readable under any tenant because the conflict check of an
assignment reads it in the assigner's transaction (no route returns it).

Revision ID: 0015_mentorships
Revises: 0014_known_curricula
"""

import sqlalchemy as sa
from alembic import op

from backbone.migrations import row_level_security

revision = "0015_mentorships"
down_revision = "0014_known_curricula"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentorships",
        sa.Column("mentor_subject", sa.String(200), primary_key=True),
        sa.Column("trainee_id", sa.String(100), primary_key=True),
    )
    row_level_security("mentorships", read="true", write="false")


def downgrade() -> None:
    op.drop_table("mentorships")
