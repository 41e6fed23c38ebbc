"""Plumbing tables: outbox, inbox, idempotency keys.

Revision ID: 0001
Revises:
"""

from backbone.migrations import create_plumbing_tables, drop_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plumbing_tables()


def downgrade() -> None:
    drop_plumbing_tables()
