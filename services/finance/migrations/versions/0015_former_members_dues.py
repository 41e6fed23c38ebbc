"""A partner that left still reads its own instalments and their payments (its arrears stay owed); members read
all of them as before, the lead alone writes.

Revision ID: 0015_former_members_dues
Revises: 0014_procurement
"""

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security
from services.kernel import partnership_members

revision = "0015_former_members_dues"
down_revision = "0014_procurement"
branch_labels = None
depends_on = None

TABLES = ("contribution_dues", "contribution_payments")


def _policies(*, debtor_reads: bool) -> None:
    for table in TABLES:
        lead = partnership_members.lead_of_partnership("finance_partnerships", table)
        read = partnership_members.member_of_partnership("finance_partnerships", table)
        if debtor_reads:
            read = f"({read}) OR {table}.country_code = {TENANT_SQL}"
        drop_row_level_security(table)
        row_level_security(table, read=read, write=lead, steer=lead)


def upgrade() -> None:
    _policies(debtor_reads=True)


def downgrade() -> None:
    _policies(debtor_reads=False)
