"""A certification may name its holder's account, so that the trainee fetches their own credential.

Revision ID: 0012_trainee_accounts
Revises: 0011_instructors
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_trainee_accounts"
down_revision = "0011_instructors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("certifications", sa.Column("trainee_subject", sa.String(200)))
    op.create_index("ix_certifications_trainee_subject", "certifications", ["trainee_subject"])
    op.create_index("ix_nominations_trainee_subject", "nominations", ["trainee_subject"])


def downgrade() -> None:
    op.drop_index("ix_nominations_trainee_subject", table_name="nominations")
    op.drop_index("ix_certifications_trainee_subject", table_name="certifications")
    op.drop_column("certifications", "trainee_subject")
