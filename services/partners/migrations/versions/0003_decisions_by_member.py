"""Find a member's decisions quickly (approvals dashboard).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_decisions_electorate ON decisions USING gin (electorate jsonb_path_ops)")
    op.create_index("ix_votes_member_id", "votes", ["member_id"])
    op.create_index("ix_decisions_open_due", "decisions", ["due_at"], postgresql_where="outcome = 'open'")


def downgrade() -> None:
    op.drop_index("ix_decisions_open_due", table_name="decisions")
    op.drop_index("ix_votes_member_id", table_name="votes")
    op.drop_index("ix_decisions_electorate", table_name="decisions")
