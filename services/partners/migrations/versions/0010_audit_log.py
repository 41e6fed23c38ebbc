"""The audit log (backbone/audit): append-only, hash-chained, INSERT and SELECT only for the runtime role.

Revision ID: 0010_audit
Revises: 0009_handling
"""

from backbone.audit.schema import create_audit_log, drop_audit_log

revision = "0010_audit"
down_revision = "0009_handling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log()


def downgrade() -> None:
    drop_audit_log()
