"""The competency framework: stable identifiers, levels, versions (shared by every partnership, not tenant data).

Revision ID: 0007_competencies
Revises: 0006_exchanges
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_competencies"
down_revision = "0006_exchanges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competencies",
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("framework_version", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("levels BETWEEN 1 AND 10", name="competency_levels"),
        sa.CheckConstraint("code ~ '^cf:[a-z0-9][a-z0-9-]{1,80}$'", name="competency_code"),
    )


def downgrade() -> None:
    op.drop_table("competencies")
