"""The audit chain sealed by the database (backbone/audit/sealing.py): the runtime role appends only through
`audit_append()`, which numbers, times and hashes each entry itself; and each entry filed under the owner of
the data and the actor's country, so both countries' auditors see it.

Revision ID: 0018_audit_sealed
Revises: 0017_outbox_parked
"""

from backbone.audit.sealing import seal_the_chain, unseal_the_chain

revision = "0018_audit_sealed"
down_revision = "0017_outbox_parked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_the_chain()


def downgrade() -> None:
    unseal_the_chain()
