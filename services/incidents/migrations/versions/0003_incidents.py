"""Incident protocols (versioned, immutable once approved), incidents with roles, steps, timeline and the
notifications partners received; the partnerships read model.

Revision ID: 0003_incidents
Revises: 0002_audit
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import (
    TENANT_SQL,
    drop_row_level_security,
    freeze_approved_versions,
    row_level_security,
)
from services.kernel import partnership_members

revision = "0003_incidents"
down_revision = "0002_audit"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
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
)


def upgrade() -> None:
    partnership_members.create_table("incident_partnerships")
    op.create_table(
        "protocols",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("environment_kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_country_code", sa.String(2), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("current_version", sa.Integer()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("partnership_id", "kind", "environment_kind", name="protocol_per_situation"),
    )
    row_level_security("protocols", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "protocol_versions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("protocol_id", UUID, sa.ForeignKey("protocols.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("steps", postgresql.JSONB(), nullable=False),
        sa.Column("notifications", postgresql.JSONB(), nullable=False),
        sa.Column("escalation", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("review_note", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("approved_at", WHEN),
        sa.UniqueConstraint("protocol_id", "number", name="protocol_version_number"),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'approved', 'superseded')", name="protocol_version_status"
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'superseded') OR reviewer <> author", name="four_eyes"
        ),
    )
    op.execute(
        "CREATE UNIQUE INDEX protocol_one_open_version ON protocol_versions (protocol_id) "
        "WHERE status IN ('draft', 'in_review')"
    )
    row_level_security(
        "protocol_versions",
        read="EXISTS (SELECT 1 FROM protocols p WHERE p.id = protocol_versions.protocol_id)",
    )
    freeze_approved_versions("protocol_versions", noun="protocol", columns=FROZEN)
    op.create_table(
        "incidents",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("protocol_version_id", UUID, sa.ForeignKey("protocol_versions.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("environment_kind", sa.String(20), nullable=False),
        sa.Column("environment_id", sa.String(120), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("handling_code", sa.String(200), nullable=False),
        sa.Column("originator_country_code", sa.String(2), nullable=False),
        sa.Column("audience", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("affected_countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("exercise", sa.Boolean(), nullable=False),
        sa.Column("drill_id", UUID),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("declared_by", sa.String(200), nullable=False),
        sa.Column("declared_at", WHEN, nullable=False),
        sa.Column("resolved_at", WHEN),
        sa.Column("resolution", sa.Text()),
        sa.Column("closed_at", WHEN),
        sa.CheckConstraint("severity IN ('low', 'moderate', 'high', 'critical')", name="incident_severity"),
        sa.CheckConstraint("status IN ('declared', 'triaged', 'resolved', 'closed')", name="incident_status"),
    )
    row_level_security(
        "incidents",
        read=f"('*' = ANY(audience) OR {TENANT_SQL} = ANY(audience) OR {TENANT_SQL} = originator_country_code)",
    )
    visible = "EXISTS (SELECT 1 FROM incidents i WHERE i.id = {table}.incident_id)"
    op.create_table(
        "incident_roles",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("incident_id", UUID, sa.ForeignKey("incidents.id"), nullable=False, index=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("assigned_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN),
    )
    op.execute(
        "CREATE UNIQUE INDEX incident_role_held_once ON incident_roles (incident_id, role) WHERE ended_at IS NULL"
    )
    row_level_security("incident_roles", read=visible.format(table="incident_roles"))
    op.create_table(
        "incident_steps",
        sa.Column("incident_id", UUID, sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("limit_minutes", sa.Integer(), nullable=False),
        sa.Column("completed_at", WHEN),
        sa.Column("completed_by", sa.String(200)),
        sa.Column("minutes_taken", sa.Integer()),
        sa.Column("late", sa.Boolean()),
    )
    row_level_security("incident_steps", read=visible.format(table="incident_steps"))
    op.create_table(
        "incident_timeline",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", UUID, sa.ForeignKey("incidents.id"), nullable=False, index=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("details", postgresql.JSONB(), nullable=False),
    )
    row_level_security("incident_timeline", read=visible.format(table="incident_timeline"))
    op.create_table(
        "incident_notifications",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("incident_id", UUID, sa.ForeignKey("incidents.id"), nullable=False, index=True),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("details_released", sa.Boolean(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("notified_at", WHEN, nullable=False),
    )
    row_level_security(
        "incident_notifications",
        read=f"({TENANT_SQL} = country_code OR EXISTS (SELECT 1 FROM incidents i "
        f"WHERE i.id = incident_notifications.incident_id AND i.originator_country_code = {TENANT_SQL}))",
    )


def downgrade() -> None:
    for table in (
        "incident_notifications",
        "incident_timeline",
        "incident_steps",
        "incident_roles",
        "incidents",
    ):
        drop_row_level_security(table)
        op.drop_table(table)
    op.execute("DROP TRIGGER protocol_version_frozen ON protocol_versions")
    op.execute("DROP FUNCTION protocol_version_frozen()")
    for table in ("protocol_versions", "protocols", "incident_partnerships"):
        drop_row_level_security(table)
        op.drop_table(table)
