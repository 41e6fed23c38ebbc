"""Second marking: a partnership may have every trainee marked twice, independently, with an external moderator
when the two markings differ by more than a threshold, and its markers blind to the trainee's country. Each
assessment row is one marking; the final one carries the agreed result that is announced.

Revision ID: 0011_second_marking
Revises: 0010_evaluation_plans
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_second_marking"
down_revision = "0010_evaluation_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "assessment_policies", sa.Column("second_marking", sa.Boolean, nullable=False, server_default="false")
    )
    op.add_column(
        "assessment_policies",
        sa.Column("moderation_threshold", sa.Integer, nullable=False, server_default="10"),
    )
    op.add_column(
        "assessment_policies",
        sa.Column("blind_to_country", sa.Boolean, nullable=False, server_default="false"),
    )
    op.add_column(
        "assessment_assignments", sa.Column("marking", sa.String(12), nullable=False, server_default="single")
    )
    op.add_column("assessments", sa.Column("marking", sa.String(12), nullable=False, server_default="single"))
    op.add_column("assessments", sa.Column("status", sa.String(20), nullable=False, server_default="final"))
    op.add_column("assessments", sa.Column("agreed_percent", sa.Numeric(5, 1)))
    op.add_column("assessments", sa.Column("agreed_passed", sa.Boolean))
    op.add_column("assessments", sa.Column("agreed_dimensions", JSONB))
    op.execute(
        "UPDATE assessments SET agreed_percent = percent, agreed_passed = passed, agreed_dimensions = dimensions"
    )
    op.create_check_constraint(
        "assessment_marking", "assessments", "marking IN ('single', 'first', 'second', 'moderation')"
    )
    op.create_check_constraint(
        "assessment_status",
        "assessments",
        "status IN ('final', 'awaiting_second', 'awaiting_moderation', 'second_marked', 'moderated')",
    )
    op.create_check_constraint(
        "assignment_marking",
        "assessment_assignments",
        "marking IN ('single', 'first', 'second', 'moderation')",
    )


def downgrade() -> None:
    for table, name in (
        ("assessment_assignments", "assignment_marking"),
        ("assessments", "assessment_status"),
        ("assessments", "assessment_marking"),
    ):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_{name}")
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    for column in ("agreed_dimensions", "agreed_passed", "agreed_percent", "status", "marking"):
        op.drop_column("assessments", column)
    op.drop_column("assessment_assignments", "marking")
    for column in ("blind_to_country", "moderation_threshold", "second_marking"):
        op.drop_column("assessment_policies", column)
