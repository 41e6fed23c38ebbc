"""Training's environments of each partnership (its cohorts, their facilities and labs, its curricula's
modules), learnt from training's events: a real incident names one of its own partnership's.

Revision ID: 0008_environments
Revises: 0007_action_owners
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import drop_row_level_security, row_level_security

revision = "0008_environments"
down_revision = "0007_action_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_environments",
        sa.Column("partnership_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("environment_id", sa.String(120), primary_key=True),
        sa.Column("learnt_at", sa.DateTime(timezone=True), nullable=False),
    )
    row_level_security(
        "incident_environments",
        # the partnership's members (its read model's own security) see them; only the platform's consumer writes
        read="EXISTS (SELECT 1 FROM incident_partnerships p "
        "WHERE p.partnership_id = incident_environments.partnership_id)",
        write="false",
    )


def downgrade() -> None:
    drop_row_level_security("incident_environments")
    op.drop_table("incident_environments")
