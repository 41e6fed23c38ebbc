"""Curricula co-designed by partnerships: versions (immutable once approved), proposals and comments; and the
partnerships read model that says who the members are.

Revision ID: 0008_curricula
Revises: 0007_competencies
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

revision = "0008_curricula"
down_revision = "0007_competencies"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
FROZEN = ("curriculum_id", "number", "title", "language", "modules", "reason", "diff", "decision_id")


def upgrade() -> None:
    partnership_members.create_table("known_partnerships")
    op.create_table(
        "curricula",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("context", sa.String(10), nullable=False),
        sa.Column("context_country_code", sa.String(2)),
        sa.Column("variant_of_id", UUID, sa.ForeignKey("curricula.id")),
        sa.Column("drafting_agency_id", UUID, nullable=False),
        sa.Column("drafting_country_code", sa.String(2), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("current_version", sa.Integer()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("context IN ('general', 'urban', 'rural')", name="curriculum_context"),
    )
    # One curriculum per (partnership, code, language, context): a variant differs from its origin in one.
    op.execute(
        "CREATE UNIQUE INDEX curricula_identity ON curricula "
        "(partnership_id, code, language, context, coalesce(context_country_code, ''))"
    )
    row_level_security("curricula", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "curriculum_versions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("curriculum_id", UUID, sa.ForeignKey("curricula.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("modules", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("diff", postgresql.JSONB()),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("submission_id", UUID, unique=True),
        sa.Column("submitted_at", WHEN),
        sa.Column("decide_by", WHEN),
        sa.Column("decision_id", UUID),
        sa.Column("decided_at", WHEN),
        sa.UniqueConstraint("curriculum_id", "number", name="curriculum_version_number"),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected', 'superseded')", name="version_status"
        ),
        sa.CheckConstraint("number = 1 OR reason IS NOT NULL", name="revision_has_reason"),
    )
    op.execute(
        "CREATE UNIQUE INDEX curriculum_one_open_version ON curriculum_versions (curriculum_id) "
        "WHERE status IN ('draft', 'submitted')"
    )
    visible_curriculum = "EXISTS (SELECT 1 FROM curricula c WHERE c.id = curriculum_id)"
    row_level_security("curriculum_versions", read=visible_curriculum)
    freeze_approved_versions("curriculum_versions", noun="curriculum", columns=FROZEN)
    visible_version = "EXISTS (SELECT 1 FROM curriculum_versions v WHERE v.id = version_id)"
    op.create_table(
        "curriculum_proposals",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("version_id", UUID, sa.ForeignKey("curriculum_versions.id"), nullable=False, index=True),
        sa.Column("agency_id", UUID, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("change", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("settled_at", WHEN),
        sa.Column("settled_reason", sa.Text()),
        sa.CheckConstraint("status IN ('open', 'accepted', 'declined')", name="proposal_status"),
    )
    row_level_security("curriculum_proposals", read=visible_version)
    op.create_table(
        "curriculum_comments",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("version_id", UUID, sa.ForeignKey("curriculum_versions.id"), nullable=False, index=True),
        sa.Column("proposal_id", UUID, sa.ForeignKey("curriculum_proposals.id")),
        sa.Column("agency_id", UUID, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    row_level_security("curriculum_comments", read=visible_version)


def downgrade() -> None:
    for table in ("curriculum_comments", "curriculum_proposals"):
        drop_row_level_security(table)
        op.drop_table(table)
    op.execute("DROP TRIGGER curriculum_version_frozen ON curriculum_versions")
    op.execute("DROP FUNCTION curriculum_version_frozen()")
    for table in ("curriculum_versions", "curricula", "known_partnerships"):
        drop_row_level_security(table)
        op.drop_table(table)
