"""Audit entries sealed inside COMMIT by a deferred trigger, not when `audit_append` is called: the chain's head
is locked for the sealing and the commit only (backbone/audit/sealing.py, `seal_at_commit_sql`).

Revision ID: 0023_audit_sealed_at_commit
Revises: 0022_trainer_development
"""

from backbone.audit.sealing import seal_at_commit, unseal_at_commit

revision = "0023_audit_sealed_at_commit"
down_revision = "0022_trainer_development"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_at_commit()


def downgrade() -> None:
    unseal_at_commit()
