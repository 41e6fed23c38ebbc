"""Refreshers of certifications: reminded, enrolled, completed, renewed or expired (CertificationRefresherWorkflow).

Revision ID: 0005_refreshers
Revises: 0004_certifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_refreshers"
down_revision = "0004_certifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "certifications", sa.Column("validity_months", sa.Integer(), nullable=False, server_default="36")
    )
    op.add_column(
        "certifications", sa.Column("refresher_state", sa.String(20), nullable=False, server_default="none")
    )
    op.add_column("certifications", sa.Column("reminded_at", sa.DateTime(timezone=True)))
    op.add_column("certifications", sa.Column("enrolled_at", sa.DateTime(timezone=True)))
    op.add_column("certifications", sa.Column("renewals", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("certifications", sa.Column("expired_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(
        "certification_refresher_state",
        "certifications",
        "refresher_state IN ('none', 'reminded', 'enrolled')",
    )


def downgrade() -> None:
    op.drop_constraint("certification_refresher_state", "certifications")
    for column in (
        "expired_at",
        "renewals",
        "enrolled_at",
        "reminded_at",
        "refresher_state",
        "validity_months",
    ):
        op.drop_column("certifications", column)
