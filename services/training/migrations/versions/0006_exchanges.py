"""Exchange visits: an officer of one country rotates to a host country's programme or a regional hub.

Revision ID: 0006_exchanges
Revises: 0005_refreshers
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0006_exchanges"
down_revision = "0005_refreshers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_visits",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("officer_id", sa.String(100), nullable=False),
        sa.Column("officer_agency_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("officer_country_code", sa.String(2), nullable=False),
        sa.Column("host_agency_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("host_country_code", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('exchange_visit', 'hub_rotation')", name="exchange_kind"),
        sa.CheckConstraint("status IN ('planned', 'completed')", name="exchange_status"),
        sa.CheckConstraint("ends_on >= starts_on", name="exchange_period"),
        sa.CheckConstraint("officer_country_code <> host_country_code", name="exchange_abroad"),
    )
    row_level_security(
        "exchange_visits",
        read=f"(officer_country_code = {TENANT_SQL} OR host_country_code = {TENANT_SQL})",
    )


def downgrade() -> None:
    drop_row_level_security("exchange_visits")
    op.drop_table("exchange_visits")
