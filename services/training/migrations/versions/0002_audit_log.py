"""The audit log (backbone/audit): append-only, hash-chained, INSERT and SELECT only for the runtime role.

Revision ID: 0002_audit
Revises: 0001
"""

from backbone.audit.schema import create_audit_log, drop_audit_log

revision = "0002_audit"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log()


def downgrade() -> None:
    drop_audit_log()
