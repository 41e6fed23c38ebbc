"""Protocol versions name who is on call for each role: a real incident's response workflow assigns them.
The column is frozen with the rest of an approved version.

Revision ID: 0005_on_call
Revises: 0004_drills
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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


def frozen_function(columns: tuple[str, ...]) -> str:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    return f"""
        CREATE OR REPLACE FUNCTION protocol_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.status IN ('approved', 'superseded') THEN
              RAISE EXCEPTION 'approved protocol version % is immutable', OLD.id USING ERRCODE = '55000';
            END IF;
            RETURN OLD;
          END IF;
          IF OLD.status IN ('approved', 'superseded') AND (
               {changed} OR NOT (NEW.status = OLD.status OR (OLD.status, NEW.status) = ('approved', 'superseded'))
             ) THEN
            RAISE EXCEPTION 'approved protocol version % is immutable', OLD.id USING ERRCODE = '55000';
          END IF;
          RETURN NEW;
        END $$
        """


def upgrade() -> None:
    op.add_column(
        "protocol_versions",
        sa.Column("on_call", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.execute(frozen_function(FROZEN))


def downgrade() -> None:
    op.execute(frozen_function(FROZEN[:-1]))
    op.drop_column("protocol_versions", "on_call")
