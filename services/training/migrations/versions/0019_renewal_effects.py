"""A concluded renewal's effects on cohorts are applied once per commitment, whatever delivers its event again.

Revision ID: 0019_renewal_effects
Revises: 0018_audit_sealed
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_renewal_effects"
down_revision = "0018_audit_sealed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("known_commitments", sa.Column("renewal_applied_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("known_commitments", "renewal_applied_at")
