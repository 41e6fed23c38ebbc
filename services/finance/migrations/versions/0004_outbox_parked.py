"""Parked outbox rows: what the broker refused for good waits there, with its reason, for an operator. And the
audit trail under row-level security: a country reads its own entries, whatever the route asks.

Revision ID: 0004_outbox_parked
Revises: 0003_facility_usage
"""

from backbone.audit.schema import audit_trail_row_security, drop_audit_trail_row_security
from backbone.migrations import create_parked_outbox, drop_parked_outbox

revision = "0004_outbox_parked"
down_revision = "0003_facility_usage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_parked_outbox()
    audit_trail_row_security()


def downgrade() -> None:
    drop_audit_trail_row_security()
    drop_parked_outbox()
