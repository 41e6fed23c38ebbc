"""A survey that measures a qualitative indicator: the question whose mean is the value, whose country's
stakeholders answer, and the measurement it gave once closed.

Revision ID: 0013_survey_measurements
Revises: 0012_surveys
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0013_survey_measurements"
down_revision = "0012_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("surveys", sa.Column("indicator_question", sa.String(60)))
    op.add_column("surveys", sa.Column("country_code", sa.String(2)))
    op.add_column("surveys", sa.Column("measurement_id", UUID(as_uuid=True)))


def downgrade() -> None:
    for column in ("measurement_id", "country_code", "indicator_question"):
        op.drop_column("surveys", column)
