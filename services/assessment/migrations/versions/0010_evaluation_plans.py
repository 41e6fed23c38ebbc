"""Evaluation plans (versioned; a published version never changes) and their rounds. Members read them; the lead
writes plans; rounds are written by the workflow's calls (the platform).

Revision ID: 0010_evaluation_plans
Revises: 0009_rubric_approval
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import row_level_security
from services.kernel import partnership_members

revision = "0010_evaluation_plans"
down_revision = "0009_rubric_approval"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evaluation_plans",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_by_country_code", sa.String(2), nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "evaluation_plan_versions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "plan_id", UUID(as_uuid=True), sa.ForeignKey("evaluation_plans.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("published_at", WHEN),
        sa.UniqueConstraint("plan_id", "version", name="uq_plan_version"),
        sa.CheckConstraint("status IN ('draft', 'published', 'superseded')", name="plan_version_status"),
    )
    # A published version's content never changes (rounds were run on it); it may only be superseded.
    op.execute(
        """
        CREATE FUNCTION plan_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR OLD.content IS DISTINCT FROM NEW.content
               OR NEW.status NOT IN ('published', 'superseded') THEN
                RAISE EXCEPTION 'published evaluation plan version % is immutable', OLD.id USING ERRCODE = '55000';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER plan_versions_frozen BEFORE UPDATE OR DELETE ON evaluation_plan_versions
            FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION plan_version_frozen();
        """
    )
    op.create_table(
        "evaluation_rounds",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "plan_id", UUID(as_uuid=True), sa.ForeignKey("evaluation_plans.id"), nullable=False, index=True
        ),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reviewers", JSONB, nullable=False),
        sa.Column("reminders", sa.Integer, nullable=False),
        sa.Column("escalated_at", WHEN),
        sa.Column("closed_at", WHEN),
        sa.Column("results", JSONB),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.UniqueConstraint("plan_id", "number", name="uq_round_number"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="round_status"),
    )
    for table in ("evaluation_plans", "evaluation_plan_versions"):
        member = partnership_members.member_of_partnership(READ_MODEL, table)
        lead = partnership_members.lead_of_partnership(READ_MODEL, table)
        row_level_security(table, read=member, write=lead, steer=lead)
    member = partnership_members.member_of_partnership(READ_MODEL, "evaluation_rounds")
    row_level_security("evaluation_rounds", read=member, write="false")


def downgrade() -> None:
    op.drop_table("evaluation_rounds")
    op.execute("DROP TRIGGER IF EXISTS plan_versions_frozen ON evaluation_plan_versions")
    op.execute("DROP FUNCTION IF EXISTS plan_version_frozen()")
    op.drop_table("evaluation_plan_versions")
    op.drop_table("evaluation_plans")
