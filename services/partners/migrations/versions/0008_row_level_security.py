"""Row-level security: a transaction sees the rows of its tenant's partnerships and agencies only.

The same rules as the API's (services/partners/policy.py), enforced again by PostgreSQL, so a query that
forgets its tenant filter still returns nothing of another country. Forced on the tables' owner as well.
The membership registry (partnership_members), the directory (countries, agencies) and endorsements stay
readable: the policies below are built on them.

Revision ID: 0008
Revises: 0007
"""

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def member_of(partnership: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM partnership_members m "
        f"WHERE m.partnership_id = ({partnership}) AND m.country_code = {TENANT_SQL})"
    )


def agency_of_tenant(agency: str) -> str:
    return f"(SELECT a.country_code FROM agencies a WHERE a.id = ({agency})) = {TENANT_SQL}"


def shares_a_partnership_with(agency: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM partnership_members mine JOIN partnership_members theirs "
        "ON theirs.partnership_id = mine.partnership_id "
        f"WHERE theirs.agency_id = ({agency}) AND mine.country_code = {TENANT_SQL})"
    )


BY_PARTNERSHIP = ("oversight_members", "decisions", "commitments", "disputes", "reciprocity_exchanges")
TABLES = (
    "partnerships",
    *BY_PARTNERSHIP,
    "votes",
    "dispute_comments",
    "dispute_resolutions",
    "agency_contacts",
    "capacity_profiles",
)


def upgrade() -> None:
    # A partnership's members are inserted after it, in the same transaction: its insert is not confined.
    row_level_security("partnerships", read=member_of("id"), insert="true")
    for table in BY_PARTNERSHIP:
        row_level_security(table, read=member_of("partnership_id"))
    row_level_security(
        "votes", read=member_of("SELECT d.partnership_id FROM decisions d WHERE d.id = votes.decision_id")
    )
    for table in ("dispute_comments", "dispute_resolutions"):
        row_level_security(
            table, read=member_of(f"SELECT d.partnership_id FROM disputes d WHERE d.id = {table}.dispute_id")
        )
    row_level_security("agency_contacts", read=agency_of_tenant("agency_id"))
    row_level_security(
        "capacity_profiles",
        read=f"{agency_of_tenant('agency_id')} OR {shares_a_partnership_with('capacity_profiles.agency_id')}",
        write=agency_of_tenant("agency_id"),
    )


def downgrade() -> None:
    for table in TABLES:
        drop_row_level_security(table)
