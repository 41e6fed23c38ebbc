"""Cohorts of an approved curriculum version, seats per country from seat commitments, nominations approved by
national coordination units (seat or waiting list), withdrawals, and accommodations per trainee.

Revision ID: 0009_cohorts
Revises: 0008_curricula
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0009_cohorts"
down_revision = "0008_curricula"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "known_commitments",
        sa.Column("commitment_id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("agency_id", UUID, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("lapsed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    row_level_security(
        "known_commitments",
        read="EXISTS (SELECT 1 FROM known_partnerships p "
        "WHERE p.partnership_id = known_commitments.partnership_id)",
    )
    op.create_table(
        "cohorts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("curriculum_id", UUID, sa.ForeignKey("curricula.id"), nullable=False),
        sa.Column("curriculum_version_id", UUID, sa.ForeignKey("curriculum_versions.id"), nullable=False),
        sa.Column("organiser_agency_id", UUID, nullable=False),
        sa.Column("organiser_country_code", sa.String(2), nullable=False),
        sa.Column("facility_id", UUID, sa.ForeignKey("facilities.id")),
        sa.Column("booking_id", UUID, sa.ForeignKey("facility_bookings.id")),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("status_reason", sa.Text()),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="cohort_period"),
        sa.CheckConstraint("capacity > 0", name="cohort_capacity"),
        sa.CheckConstraint(
            "status IN ('scheduled', 'paused', 'cancelled', 'completed')", name="cohort_status"
        ),
        sa.CheckConstraint("(facility_id IS NULL) = (booking_id IS NULL)", name="cohort_booked_facility"),
    )
    row_level_security("cohorts", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "cohort_seats",
        sa.Column("cohort_id", UUID, sa.ForeignKey("cohorts.id"), primary_key=True),
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waitlisted", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("enrolled >= 0 AND waitlisted >= 0 AND enrolled <= seats", name="seats_held"),
    )
    row_level_security(
        "cohort_seats", read="EXISTS (SELECT 1 FROM cohorts c WHERE c.id = cohort_seats.cohort_id)"
    )
    op.create_table(
        "nominations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("cohort_id", UUID, sa.ForeignKey("cohorts.id"), nullable=False, index=True),
        sa.Column("trainee_id", sa.String(100), nullable=False),
        sa.Column("trainee_name", sa.String(200), nullable=False),
        sa.Column("trainee_subject", sa.String(200)),
        sa.Column("agency_id", UUID, nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("organiser_country_code", sa.String(2), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("status_reason", sa.Text()),
        sa.Column("nominated_by", sa.String(200), nullable=False),
        sa.Column("nominated_at", WHEN, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", WHEN),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "status IN ('nominated', 'enrolled', 'waitlisted', 'rejected', 'withdrawn')",
            name="nomination_status",
        ),
    )
    op.execute(
        "CREATE UNIQUE INDEX nominations_one_live_per_trainee ON nominations (cohort_id, country_code, trainee_id) "
        "WHERE status IN ('nominated', 'enrolled', 'waitlisted')"
    )
    row_level_security(
        "nominations",
        read=f"({TENANT_SQL} = country_code OR {TENANT_SQL} = organiser_country_code)",
        write=f"{TENANT_SQL} = country_code OR {TENANT_SQL} = organiser_country_code",
    )
    op.create_table(
        "accommodations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("nomination_id", UUID, sa.ForeignKey("nominations.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("decided_at", WHEN),
        sa.CheckConstraint(
            "kind IN ('captioning', 'translation', 'disability_access', 'sign_language', 'other')",
            name="accommodation_kind",
        ),
        sa.CheckConstraint("status IN ('requested', 'confirmed', 'declined')", name="accommodation_status"),
    )
    row_level_security(
        "accommodations",
        read="EXISTS (SELECT 1 FROM nominations n WHERE n.id = accommodations.nomination_id)",
    )


def downgrade() -> None:
    for table in ("accommodations", "nominations", "cohort_seats", "cohorts", "known_commitments"):
        drop_row_level_security(table)
        op.drop_table(table)
