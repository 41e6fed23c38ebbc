"""What incidents and drills change in training: cohorts paused by an incident, modules suspended while their
content is exposed, and revision requests from drill debriefs.

Revision ID: 0015_incident_effects
Revises: 0014_communities
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0015_incident_effects"
down_revision = "0014_communities"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("paused_by_incident", UUID))
    op.create_table(
        "module_suspensions",
        sa.Column("incident_id", UUID, primary_key=True),
        sa.Column("curriculum_id", UUID, sa.ForeignKey("curricula.id"), nullable=False, index=True),
        sa.Column("module_code", sa.String(60), nullable=False),
        sa.Column("suspended_at", WHEN, nullable=False),
        sa.Column("lifted_at", WHEN),
    )
    row_level_security(
        "module_suspensions",
        read="EXISTS (SELECT 1 FROM curricula c WHERE c.id = module_suspensions.curriculum_id)",
    )
    op.create_table(
        "revision_requests",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("finding_id", UUID, nullable=False, unique=True),
        sa.Column("drill_id", UUID, nullable=False),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("request", sa.String(20), nullable=False),
        sa.Column("curriculum_id", UUID, index=True),
        sa.Column("competency", sa.String(100)),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.CheckConstraint("request IN ('curriculum_revision', 'refresher')", name="revision_request_kind"),
    )
    row_level_security(
        "revision_requests",
        read=f"({TENANT_SQL} = ANY(countries) OR EXISTS (SELECT 1 FROM known_partnerships p "
        f"WHERE p.partnership_id = revision_requests.partnership_id))",
    )


def downgrade() -> None:
    for table in ("revision_requests", "module_suspensions"):
        drop_row_level_security(table)
        op.drop_table(table)
    op.drop_column("cohorts", "paused_by_incident")
