"""Instructors (qualifications, languages, teaching skills, availability) and their assignments to cohorts,
which never overlap for one instructor (a GiST exclusion constraint).

Revision ID: 0011_instructors
Revises: 0010_learning_progress
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0011_instructors"
down_revision = "0010_learning_progress"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
PERIOD = "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"


def upgrade() -> None:
    op.create_table(
        "instructors",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("agency_id", UUID, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("person_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("qualifications", postgresql.JSONB(), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.String(20)), nullable=False),
        sa.Column("teaching_skills", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("shared_with", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("certification_id", UUID, sa.ForeignKey("certifications.id")),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("activated_at", WHEN),
        sa.UniqueConstraint("country_code", "person_id", name="instructor_person_once"),
        sa.CheckConstraint("status IN ('candidate', 'active', 'retired')", name="instructor_status"),
        sa.CheckConstraint("source IN ('registered', 'train_the_trainer')", name="instructor_source"),
    )
    row_level_security(
        "instructors",
        read=f"({TENANT_SQL} = country_code OR {TENANT_SQL} = ANY(shared_with))",
        write=f"{TENANT_SQL} = country_code",
    )
    op.create_table(
        "instructor_availability",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("instructor_id", UUID, sa.ForeignKey("instructors.id"), nullable=False, index=True),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.CheckConstraint(PERIOD, name="availability_period"),
    )
    row_level_security(
        "instructor_availability",
        read="EXISTS (SELECT 1 FROM instructors i WHERE i.id = instructor_availability.instructor_id)",
    )
    op.create_table(
        "instructor_assignments",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("instructor_id", UUID, sa.ForeignKey("instructors.id"), nullable=False, index=True),
        sa.Column("cohort_id", UUID, sa.ForeignKey("cohorts.id"), nullable=False, index=True),
        sa.Column("instructor_country_code", sa.String(2), nullable=False),
        sa.Column("organiser_country_code", sa.String(2), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("role", sa.String(4), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("assigned_at", WHEN, nullable=False),
        sa.Column("released_at", WHEN),
        sa.CheckConstraint(PERIOD, name="assignment_period"),
        sa.CheckConstraint("role IN ('lead', 'co')", name="assignment_role"),
        sa.CheckConstraint("status IN ('active', 'released')", name="assignment_status"),
    )
    op.execute(
        "ALTER TABLE instructor_assignments ADD CONSTRAINT instructor_assignments_no_overlap "
        "EXCLUDE USING gist (instructor_id WITH =, period WITH &&) WHERE (status = 'active')"
    )
    # Seen (and changed) by the organiser and the instructor's country; the exclusion constraint sees every
    # row whatever the reader's tenant, so an instructor is never double booked across countries.
    row_level_security(
        "instructor_assignments",
        read=f"({TENANT_SQL} = instructor_country_code OR {TENANT_SQL} = organiser_country_code)",
    )


def downgrade() -> None:
    for table in ("instructor_assignments", "instructor_availability", "instructors"):
        drop_row_level_security(table)
        op.drop_table(table)
