"""Recognition agreements between countries and the recognitions of certifications under them.

Revision ID: 0013_recognition
Revises: 0012_trainee_accounts
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0013_recognition"
down_revision = "0012_trainee_accounts"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)
BOTH = f"({TENANT_SQL} = recognising_country_code OR {TENANT_SQL} = issuing_country_code)"


def upgrade() -> None:
    op.create_table(
        "recognition_agreements",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False),
        sa.Column("recognising_country_code", sa.String(2), nullable=False),
        sa.Column("issuing_country_code", sa.String(2), nullable=False),
        sa.Column("competencies", postgresql.ARRAY(sa.String(100)), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("ended_reason", sa.Text()),
        sa.Column("ended_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "recognising_country_code <> issuing_country_code", name="agreement_two_countries"
        ),
        sa.CheckConstraint("status IN ('active', 'ended')", name="agreement_status"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="agreement_period"),
    )
    row_level_security("recognition_agreements", read=BOTH)
    op.create_table(
        "recognitions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "agreement_id", UUID, sa.ForeignKey("recognition_agreements.id"), nullable=False, index=True
        ),
        sa.Column("certification_id", UUID, sa.ForeignKey("certifications.id"), nullable=False, index=True),
        sa.Column("recognising_country_code", sa.String(2), nullable=False),
        sa.Column("issuing_country_code", sa.String(2), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("cause", sa.String(30)),
        sa.Column("recognised_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        sa.UniqueConstraint("agreement_id", "certification_id", name="recognised_once"),
        sa.CheckConstraint("status IN ('active', 'revoked')", name="recognition_status"),
    )
    row_level_security("recognitions", read=BOTH)


def downgrade() -> None:
    for table in ("recognitions", "recognition_agreements"):
        drop_row_level_security(table)
        op.drop_table(table)
