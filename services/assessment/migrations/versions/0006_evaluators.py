"""External evaluators, the partnership's assessment policy, who taught whom (from training's events) and the
assignments of evaluators to trainees; an assessment names its assignment.

Revision ID: 0006_evaluators
Revises: 0005_rubrics
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from backbone.migrations import TENANT_SQL, row_level_security
from services.kernel import partnership_members

revision = "0006_evaluators"
down_revision = "0005_rubrics"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"


def upgrade() -> None:
    op.create_table(
        "evaluators",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("affiliation_kind", sa.String(20), nullable=False),
        sa.Column("affiliation", sa.String(200), nullable=False),
        sa.Column("agency_id", UUID(as_uuid=True)),
        sa.Column("instructor_id", sa.String(64)),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("competencies", ARRAY(sa.String(80)), nullable=False),
        sa.Column("declarations", JSONB, nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("partnership_id", "subject", name="uq_evaluator_subject"),
        sa.CheckConstraint(
            "affiliation_kind IN ('academia', 'international_body', 'agency')", name="evaluator_affiliation"
        ),
    )
    op.create_table(
        "assessment_policies",
        sa.Column("partnership_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("evaluators_of_own_country", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohort_instructors",
        sa.Column("cohort_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("instructor_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "cohort_trainees",
        sa.Column("cohort_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("trainee_id", sa.String(64), primary_key=True, index=True),
    )
    op.create_table(
        "assessment_assignments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("evaluator_id", UUID(as_uuid=True), sa.ForeignKey("evaluators.id"), nullable=False),
        sa.Column(
            "rubric_version_id", UUID(as_uuid=True), sa.ForeignKey("rubric_versions.id"), nullable=False
        ),
        sa.Column("trainee_id", sa.String(64), nullable=False),
        sa.Column("trainee_country_code", sa.String(2), nullable=False),
        sa.Column("trainee_agency_id", UUID(as_uuid=True), nullable=False),
        sa.Column("assigned_by_country_code", sa.String(2), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column(
        "assessments",
        sa.Column(
            "assignment_id", UUID(as_uuid=True), sa.ForeignKey("assessment_assignments.id"), unique=True
        ),
    )
    member = partnership_members.member_of_partnership(READ_MODEL, "evaluators")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "evaluators")
    row_level_security("evaluators", read=member, write=lead, steer=lead)
    member = partnership_members.member_of_partnership(READ_MODEL, "assessment_policies")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "assessment_policies")
    row_level_security("assessment_policies", read=member, write=lead, steer=lead)
    # Who taught whom: written by the consumer only (the platform). Readable under any tenant because the
    # conflict check of an assignment reads it in the assigner's transaction; no route returns it.
    for table in ("cohort_instructors", "cohort_trainees"):
        row_level_security(table, read="true", write="false")
    member = partnership_members.member_of_partnership(READ_MODEL, "assessment_assignments")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "assessment_assignments")
    assigner = f"({lead}) OR assessment_assignments.trainee_country_code = {TENANT_SQL}"
    row_level_security(
        "assessment_assignments", read=member, write=f"({member}) AND ({assigner})", steer="false"
    )


def downgrade() -> None:
    op.drop_column("assessments", "assignment_id")
    for table in (
        "assessment_assignments",
        "cohort_trainees",
        "cohort_instructors",
        "assessment_policies",
        "evaluators",
    ):
        op.drop_table(table)
