"""Agency contacts, endorsements, disputes with their discussion and resolutions, the reciprocity ledger.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)
COUNTRY = "~ '^[A-Z]{2}$'"


def upgrade() -> None:
    op.create_table(
        "agency_contacts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("agency_id", UUID, sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("function", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(40)),
        sa.Column("languages", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_national_coordination_contact", sa.Boolean(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("updated_at", TS),
        sa.Column("removed_at", TS),
        sa.CheckConstraint("email IS NULL OR email LIKE '%_@_%'", name="email"),
        # A current contact can be reached; a removed one keeps only name and function (details erased).
        sa.CheckConstraint(
            "(removed_at IS NULL AND email IS NOT NULL) OR "
            "(removed_at IS NOT NULL AND email IS NULL AND phone IS NULL AND NOT is_primary)",
            name="details_while_current",
        ),
        sa.CheckConstraint("jsonb_typeof(languages) = 'array'", name="languages_array"),
    )
    op.create_index(
        "ix_agency_contacts_list",
        "agency_contacts",
        ["agency_id", "added_at", "id"],
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    # One primary contact per agency; one current contact per e-mail address in an agency.
    op.create_index(
        "uq_agency_contacts_one_primary",
        "agency_contacts",
        ["agency_id"],
        unique=True,
        postgresql_where=sa.text("is_primary AND removed_at IS NULL"),
    )
    op.create_index(
        "uq_agency_contacts_email",
        "agency_contacts",
        ["agency_id", sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )

    op.create_table(
        "endorsements",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("endorser_name", sa.String(200), nullable=False),
        sa.Column("endorser_kind", sa.String(30), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id")),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("endorsed_on", sa.Date(), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("withdrawn_at", TS),
        sa.Column("withdrawal_reason", sa.Text()),
        sa.CheckConstraint(
            "endorser_kind IN ('regional_body', 'international_organisation')", name="endorser_kind"
        ),
        sa.CheckConstraint("subject_kind IN ('partnership', 'standard', 'curriculum')", name="subject_kind"),
        sa.CheckConstraint(
            "(subject_kind = 'partnership' AND partnership_id IS NOT NULL "
            "AND subject_id = partnership_id::text) OR (subject_kind <> 'partnership' AND partnership_id IS NULL)",
            name="partnership_subject",
        ),
        sa.CheckConstraint(
            "(status = 'active' AND withdrawn_at IS NULL AND withdrawal_reason IS NULL) OR "
            "(status = 'withdrawn' AND withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name="status",
        ),
    )
    op.create_index("ix_endorsements_list", "endorsements", ["granted_at", "id"])
    op.create_index("ix_endorsements_subject", "endorsements", ["subject_kind", "subject_id"])
    op.create_index("ix_endorsements_endorser", "endorsements", [sa.text("lower(endorser_name)")])
    op.create_index(
        "ix_endorsements_partnership",
        "endorsements",
        ["partnership_id"],
        postgresql_where=sa.text("partnership_id IS NOT NULL"),
    )
    # An endorser endorses a subject once at a time (it may endorse again after withdrawing).
    op.create_index(
        "uq_endorsements_active",
        "endorsements",
        [sa.text("lower(endorser_name)"), "subject_kind", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "disputes",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("raised_by_agency_id", UUID, sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("raised_by_country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_ref", sa.String(200), nullable=False),
        sa.Column("subject_decision_id", UUID, sa.ForeignKey("decisions.id")),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution_decision_id", UUID, sa.ForeignKey("decisions.id")),
        sa.Column("last_outcome", sa.String(20)),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("resolved_at", TS),
        sa.CheckConstraint("subject_kind IN ('allocation', 'decision')", name="subject_kind"),
        sa.CheckConstraint(
            "(subject_kind = 'decision') = (subject_decision_id IS NOT NULL)", name="decision_subject"
        ),
        sa.CheckConstraint("status IN ('open', 'under_vote', 'resolved')", name="status"),
        sa.CheckConstraint(
            "(status = 'open' AND resolution_decision_id IS NULL AND resolved_at IS NULL) OR "
            "(status = 'under_vote' AND resolution_decision_id IS NOT NULL AND resolved_at IS NULL) OR "
            "(status = 'resolved' AND resolution_decision_id IS NOT NULL AND resolved_at IS NOT NULL)",
            name="status_consistent",
        ),
        sa.CheckConstraint(
            "last_outcome IS NULL OR last_outcome IN ('approved', 'rejected', 'vetoed', 'expired')",
            name="last_outcome",
        ),
    )
    op.create_index("ix_disputes_list", "disputes", ["partnership_id", "raised_at", "id"])
    op.create_index(
        "ix_disputes_unsettled",
        "disputes",
        ["partnership_id", "status"],
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "dispute_comments",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("dispute_id", UUID, sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("agency_id", UUID, sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("commented_at", TS, nullable=False),
    )
    op.create_index("ix_dispute_comments_dispute", "dispute_comments", ["dispute_id", "commented_at", "id"])
    op.create_table(
        "dispute_resolutions",
        sa.Column("decision_id", UUID, sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("dispute_id", UUID, sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("closed_at", TS),
        sa.CheckConstraint(
            "(outcome IS NULL AND closed_at IS NULL) OR "
            "(outcome IN ('approved', 'rejected', 'vetoed', 'expired') AND closed_at IS NOT NULL)",
            name="outcome",
        ),
    )
    op.create_index("ix_dispute_resolutions_dispute", "dispute_resolutions", ["dispute_id", "opened_at"])
    # At most one resolution decision of a dispute is under vote at a time.
    op.create_index(
        "uq_dispute_resolutions_pending",
        "dispute_resolutions",
        ["dispute_id"],
        unique=True,
        postgresql_where=sa.text("outcome IS NULL"),
    )

    op.create_table(
        "reciprocity_exchanges",
        sa.Column("exchange_id", sa.String(100), nullable=False),
        sa.Column("partnership_id", UUID, sa.ForeignKey("partnerships.id"), nullable=False),
        sa.Column("officer_country_code", sa.String(2), nullable=False),
        sa.Column("host_country_code", sa.String(2), nullable=False),
        sa.Column("host_agency_id", UUID),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("completed_at", TS, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("exchange_id", name="pk_reciprocity_exchanges"),
        sa.CheckConstraint(
            f"officer_country_code {COUNTRY} AND host_country_code {COUNTRY}", name="countries"
        ),
        sa.CheckConstraint("officer_country_code <> host_country_code", name="abroad"),
        sa.CheckConstraint("kind IN ('exchange_visit', 'hub_rotation')", name="kind"),
        sa.CheckConstraint("days > 0", name="days_positive"),
    )
    op.create_index(
        "ix_reciprocity_exchanges_officer_country", "reciprocity_exchanges", ["officer_country_code"]
    )
    op.create_index("ix_reciprocity_exchanges_host_country", "reciprocity_exchanges", ["host_country_code"])
    op.create_index("ix_reciprocity_exchanges_partnership", "reciprocity_exchanges", ["partnership_id"])


def downgrade() -> None:
    for table in (
        "reciprocity_exchanges",
        "dispute_resolutions",
        "dispute_comments",
        "disputes",
        "endorsements",
        "agency_contacts",
    ):
        op.drop_table(table)
