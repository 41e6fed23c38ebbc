"""Oversight members are people with accounts: the subject their tokens name binds them to their seat.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oversight_members", sa.Column("subject", sa.String(200)))
    # One seat per person and partnership (members appointed before accounts existed have none yet).
    op.create_index(
        "uq_oversight_members_subject",
        "oversight_members",
        ["partnership_id", "subject"],
        unique=True,
        postgresql_where=sa.text("subject IS NOT NULL"),
    )
    op.create_index("ix_oversight_members_subject", "oversight_members", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_oversight_members_subject", "oversight_members")
    op.drop_index("uq_oversight_members_subject", "oversight_members")
    op.drop_column("oversight_members", "subject")
