"""Protocol versions name who is on call for each role: a real incident's response workflow assigns them.
The column is frozen with the rest of an approved version.

Revision ID: 0005_on_call
Revises: 0004_drills
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import frozen_versions_function

revision = "0005_on_call"
down_revision = "0004_drills"
branch_labels = None
depends_on = None

FROZEN = (
    "protocol_id",
    "number",
    "roles",
    "steps",
    "notifications",
    "escalation",
    "reason",
    "author",
    "reviewer",
    "on_call",
)


def upgrade() -> None:
    op.add_column(
        "protocol_versions",
        sa.Column("on_call", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.execute(frozen_versions_function("protocol_versions", noun="protocol", columns=FROZEN))


def downgrade() -> None:
    op.execute(frozen_versions_function("protocol_versions", noun="protocol", columns=FROZEN[:-1]))
    op.drop_column("protocol_versions", "on_call")
