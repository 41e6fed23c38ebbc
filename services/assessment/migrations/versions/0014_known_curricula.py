"""The modules of the partnerships' approved curricula, as training announces them: a rubric attached to a
curriculum is checked against them. Written by the consumer only; readable under any tenant because the check
must see another partnership's curriculum to refuse it (no route returns them).

Revision ID: 0014_known_curricula
Revises: 0013_survey_measurements
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from backbone.migrations import row_level_security

revision = "0014_known_curricula"
down_revision = "0013_survey_measurements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_curriculum_modules",
        sa.Column("curriculum_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("module_code", sa.String(100), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
    )
    row_level_security("known_curriculum_modules", read="true", write="false")


def downgrade() -> None:
    op.drop_table("known_curriculum_modules")
