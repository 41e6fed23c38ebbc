"""Drill cycles, drills with their timings and after-action reports, findings and improvement actions.

Revision ID: 0004_drills
Revises: 0003_incidents
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0004_drills"
down_revision = "0003_incidents"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
OF_DRILL = "EXISTS (SELECT 1 FROM drills d WHERE d.id = {table}.drill_id)"


def upgrade() -> None:
    op.create_table(
        "drill_cycles",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("protocol_id", UUID, sa.ForeignKey("protocols.id"), nullable=False, index=True),
        sa.Column("partnership_id", UUID, nullable=False),
        sa.Column("environment_kind", sa.String(20), nullable=False),
        sa.Column("environment_id", sa.String(120), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("notice_hours", sa.Integer(), nullable=False),
        sa.Column("injects", postgresql.JSONB(), nullable=False),
        sa.Column("participants", postgresql.JSONB(), nullable=False),
        sa.Column("owner_country_code", sa.String(2), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("cadence_days >= 1 AND notice_hours >= 0", name="cycle_timing"),
        sa.CheckConstraint("status IN ('active', 'stopped')", name="cycle_status"),
    )
    row_level_security("drill_cycles", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "drills",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("cycle_id", UUID, sa.ForeignKey("drill_cycles.id"), nullable=False, index=True),
        sa.Column("protocol_id", UUID, sa.ForeignKey("protocols.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("scheduled_for", WHEN, nullable=False),
        sa.Column("announced_at", WHEN),
        sa.Column("started_at", WHEN),
        sa.Column("completed_at", WHEN),
        sa.Column("incident_id", UUID, sa.ForeignKey("incidents.id")),
        sa.Column("protocol_version", sa.Integer()),
        sa.Column("timings", postgresql.JSONB()),
        sa.Column("report", postgresql.JSONB()),
        sa.Column("debriefed_at", WHEN),
        sa.UniqueConstraint("cycle_id", "number", name="drill_number"),
        sa.CheckConstraint(
            "status IN ('scheduled', 'announced', 'running', 'completed', 'debriefed')", name="drill_status"
        ),
    )
    row_level_security("drills", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "drill_findings",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("drill_id", UUID, sa.ForeignKey("drills.id"), nullable=False, index=True),
        sa.Column("about", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(10), nullable=False),
        sa.Column("rated_by", sa.String(200), nullable=False),
        sa.Column("curriculum_id", sa.String(36)),
        sa.Column("competency", sa.String(100)),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.CheckConstraint("about IN ('training', 'protocol', 'other')", name="finding_about"),
        sa.CheckConstraint("rating IN ('minor', 'major', 'critical')", name="finding_rating"),
    )
    row_level_security("drill_findings", read=OF_DRILL.format(table="drill_findings"))
    op.create_table(
        "improvement_actions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("finding_id", UUID, sa.ForeignKey("drill_findings.id"), nullable=False, index=True),
        sa.Column("drill_id", UUID, sa.ForeignKey("drills.id"), nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("owner_country_code", sa.String(2), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reminded_at", WHEN),
        sa.Column("escalated_at", WHEN),
        sa.Column("done_at", WHEN),
        sa.Column("note", sa.Text()),
        sa.CheckConstraint("status IN ('open', 'done')", name="action_status"),
    )
    row_level_security("improvement_actions", read=OF_DRILL.format(table="improvement_actions"))


def downgrade() -> None:
    for table in ("improvement_actions", "drill_findings", "drills", "drill_cycles"):
        drop_row_level_security(table)
        op.drop_table(table)
