"""Rubrics, their versions and assessments of trainees, with the partnerships read model. Members read rubrics;
any member proposes a version, the lead publishes it (then immutable). An assessment is written by its assessor's
country and read by the partnership's lead and the trainee's country.

Revision ID: 0005_rubrics
Revises: 0004_audit_sealed
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import TENANT_SQL, row_level_security
from services.kernel import partnership_members

revision = "0005_rubrics"
down_revision = "0004_audit_sealed"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"


def upgrade() -> None:
    partnership_members.create_table(READ_MODEL)
    op.create_table(
        "rubrics",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("competency", sa.String(80), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("curriculum_id", UUID(as_uuid=True)),
        sa.Column("module_ids", JSONB, nullable=False),
        sa.Column("created_by_country_code", sa.String(2), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rubric_versions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("rubric_id", UUID(as_uuid=True), sa.ForeignKey("rubrics.id"), nullable=False, index=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("proposed_by_country_code", sa.String(2), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("rubric_id", "version", name="uq_rubric_version"),
        sa.CheckConstraint("status IN ('draft', 'published')", name="rubric_version_status"),
    )
    # A published version never changes (assessments were scored against it).
    op.execute(
        """
        CREATE FUNCTION rubric_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR OLD.content IS DISTINCT FROM NEW.content OR NEW.status <> 'published' THEN
                RAISE EXCEPTION 'published rubric version % is immutable', OLD.id USING ERRCODE = '55000';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER rubric_versions_frozen BEFORE UPDATE OR DELETE ON rubric_versions
            FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION rubric_version_frozen();
        """
    )
    op.create_table(
        "assessments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column(
            "rubric_version_id",
            UUID(as_uuid=True),
            sa.ForeignKey("rubric_versions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("cohort_id", UUID(as_uuid=True)),
        sa.Column("trainee_id", sa.String(64), nullable=False),
        sa.Column("trainee_country_code", sa.String(2), nullable=False),
        sa.Column("assessor_subject", sa.String(200), nullable=False),
        sa.Column("assessor_country_code", sa.String(2), nullable=False),
        sa.Column("scores", JSONB, nullable=False),
        sa.Column("dimensions", JSONB, nullable=False),
        sa.Column("percent", sa.Numeric(5, 1), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('observation', 'proficiency_test', 'portfolio')", name="assessment_kind"
        ),
    )
    for table in ("rubrics", "rubric_versions"):
        member = partnership_members.member_of_partnership(READ_MODEL, table)
        lead = partnership_members.lead_of_partnership(READ_MODEL, table)
        # Any member proposes; only the lead changes a version (publishes it).
        row_level_security(table, read=member, write=member, steer=lead)
    lead = partnership_members.lead_of_partnership(READ_MODEL, "assessments")
    member = partnership_members.member_of_partnership(READ_MODEL, "assessments")
    row_level_security(
        "assessments",
        read=f"({lead}) OR assessments.trainee_country_code = {TENANT_SQL} "
        f"OR assessments.assessor_country_code = {TENANT_SQL}",
        write=f"({member}) AND assessments.assessor_country_code = {TENANT_SQL}",
        steer="false",
    )


def downgrade() -> None:
    op.drop_table("assessments")
    op.execute("DROP TRIGGER IF EXISTS rubric_versions_frozen ON rubric_versions")
    op.execute("DROP FUNCTION IF EXISTS rubric_version_frozen()")
    op.drop_table("rubric_versions")
    op.drop_table("rubrics")
    op.drop_table(READ_MODEL)
