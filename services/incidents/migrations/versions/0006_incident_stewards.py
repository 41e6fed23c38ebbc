"""Seeing an incident is not steering it: row-level security lets only its stewards change an incident and its
roles, steps, timeline and notifications. Stewards are the declaring country, the countries holding one of its
roles, and, where the protocol version says `steering = 'partnership'`, the partnership's members. A protocol
version's steering is frozen with the rest of it once approved.

Revision ID: 0006_stewards
Revises: 0005_on_call
"""

import sqlalchemy as sa
from alembic import op

from backbone.migrations import (
    TENANT_SQL,
    drop_row_level_security,
    frozen_versions_function,
    row_level_security,
)

revision = "0006_stewards"
down_revision = "0005_on_call"
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
    "steering",
)

# PL/pgSQL, so that it is never inlined into a policy of the tables it reads (which would be a recursion); it
# runs as the caller, who must see the incident to steer it. A role handed over in this transaction still
# counts (its ended_at is the transaction's `now()`), so the holder who hands it over can finish the handover.
STEERED_BY = """
CREATE FUNCTION incident_steered_by(incident uuid, country text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM incidents i LEFT JOIN protocol_versions v ON v.id = i.protocol_version_id
    WHERE i.id = incident AND (
      i.originator_country_code = country
      OR EXISTS (
        SELECT 1 FROM incident_roles r
        WHERE r.incident_id = i.id AND r.country_code = country AND (r.ended_at IS NULL OR r.ended_at >= now())
      )
      OR (v.steering = 'partnership' AND EXISTS (
        SELECT 1 FROM incident_partnerships p
        WHERE p.partnership_id = i.partnership_id AND country = ANY(p.member_countries)
      ))
    )
  );
END $$
"""
CHILDREN = ("incident_roles", "incident_steps", "incident_timeline")
VISIBLE = "EXISTS (SELECT 1 FROM incidents i WHERE i.id = {table}.incident_id)"
INCIDENT_READ = (
    f"('*' = ANY(audience) OR {TENANT_SQL} = ANY(audience) OR {TENANT_SQL} = originator_country_code)"
)
NOTIFICATION_READ = (
    f"({TENANT_SQL} = country_code OR EXISTS (SELECT 1 FROM incidents i "
    f"WHERE i.id = incident_notifications.incident_id AND i.originator_country_code = {TENANT_SQL}))"
)


def steered(column: str) -> str:
    return f"incident_steered_by({column}, {TENANT_SQL})"


def upgrade() -> None:
    op.add_column(
        "protocol_versions",
        sa.Column("steering", sa.String(12), nullable=False, server_default="originator"),
    )
    op.create_check_constraint(
        "protocol_version_steering", "protocol_versions", "steering IN ('originator', 'partnership')"
    )
    op.execute(frozen_versions_function("protocol_versions", noun="protocol", columns=FROZEN))
    op.execute(STEERED_BY)
    drop_row_level_security("incidents")
    row_level_security(
        "incidents",
        read=INCIDENT_READ,
        insert=f"{TENANT_SQL} = originator_country_code",
        steer=steered("id"),
    )
    for table in CHILDREN:
        drop_row_level_security(table)
        row_level_security(
            table,
            read=VISIBLE.format(table=table),
            insert=steered(f"{table}.incident_id"),
            steer=steered(f"{table}.incident_id"),
        )
    drop_row_level_security("incident_notifications")
    row_level_security(
        "incident_notifications",
        read=NOTIFICATION_READ,
        insert=steered("incident_notifications.incident_id"),
        steer=steered("incident_notifications.incident_id"),
    )


def downgrade() -> None:
    drop_row_level_security("incident_notifications")
    row_level_security("incident_notifications", read=NOTIFICATION_READ)
    for table in CHILDREN:
        drop_row_level_security(table)
        row_level_security(table, read=VISIBLE.format(table=table))
    drop_row_level_security("incidents")
    row_level_security("incidents", read=INCIDENT_READ)
    op.execute("DROP FUNCTION incident_steered_by(uuid, text)")
    op.execute(frozen_versions_function("protocol_versions", noun="protocol", columns=FROZEN[:-1]))
    op.drop_constraint("protocol_version_steering", "protocol_versions")
    op.drop_column("protocol_versions", "steering")
