"""Surveys with anonymous responses: invitation codes kept only as hashes and apart from the responses, which
keep the day they were given and nothing else about who gave them.

Revision ID: 0012_surveys
Revises: 0011_second_marking
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from backbone.migrations import row_level_security
from services.kernel import partnership_members

revision = "0012_surveys"
down_revision = "0011_second_marking"
branch_labels = None
depends_on = None

READ_MODEL = "assessment_partnerships"


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("partnership_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("indicator", sa.String(100)),
        sa.Column("questions", JSONB, nullable=False),
        sa.Column("min_responses", sa.Integer, nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited", sa.Integer, nullable=False),
        sa.Column("handling_code", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_responses >= 3", name="survey_min_responses"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id"), nullable=False, index=True),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("survey_id", UUID(as_uuid=True), sa.ForeignKey("surveys.id"), nullable=False, index=True),
        sa.Column("answers", JSONB, nullable=False),
        sa.Column("answered_on", sa.Date, nullable=False),
    )
    member = partnership_members.member_of_partnership(READ_MODEL, "surveys")
    lead = partnership_members.lead_of_partnership(READ_MODEL, "surveys")
    row_level_security("surveys", read=member, write=lead, steer=lead)
    of_led_survey = (
        "EXISTS (SELECT 1 FROM surveys s WHERE s.id = survey_invitations.survey_id)"  # surveys' RLS: members
    )
    row_level_security("survey_invitations", read=of_led_survey, write=of_led_survey, steer="false")
    of_member_survey = "EXISTS (SELECT 1 FROM surveys s WHERE s.id = survey_responses.survey_id)"
    # Responses are given by respondents without a token (the platform's route); members read them in results.
    row_level_security("survey_responses", read=of_member_survey, write="false", steer="false")


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
    op.drop_table("surveys")
