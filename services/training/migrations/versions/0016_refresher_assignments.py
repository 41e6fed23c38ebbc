"""Refreshers assigned to a competency's holders after a drill finding (seen by the holder's country).

Revision ID: 0016_refresher_assignments
Revises: 0015_incident_effects
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0016_refresher_assignments"
down_revision = "0015_incident_effects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refresher_assignments",
        sa.Column(
            "certification_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("certifications.id"),
            primary_key=True,
        ),
        sa.Column(
            "revision_request_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("revision_requests.id"),
            primary_key=True,
        ),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    row_level_security("refresher_assignments", read=f"{TENANT_SQL} = country_code")


def downgrade() -> None:
    drop_row_level_security("refresher_assignments")
    op.drop_table("refresher_assignments")
