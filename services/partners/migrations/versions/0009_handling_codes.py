"""Handling codes on disputes and capacity profiles, enforced by row-level security as well as by the API.

A record is visible to its originator's country always, to everyone when `public`, to the partnership's member
countries (disputes) or to the countries sharing a partnership with the agency (capacity profiles) when
`partnership`, and to the named countries when `countries:..`. `handling_countries` holds those names so that
the policies need no parsing. Changes of a code are kept in `handling_changes`.

Revision ID: 0009_handling
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0009_handling"
down_revision = "0008"
branch_labels = None
depends_on = None

CODE_CHECK = "handling_code ~ '^(public|partnership|originator|countries:[A-Z]{2}(,[A-Z]{2})*)$'"


def releasable(table: str, originator: str, partners: str) -> str:
    """The handling rule as SQL: `partners` is the condition under which `partnership` releases to the tenant."""
    return (
        f"({table}.handling_code = 'public' OR {originator} = {TENANT_SQL} "
        f"OR ({table}.handling_code = 'partnership' AND {partners}) "
        f"OR {TENANT_SQL} = ANY({table}.handling_countries))"
    )


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


def upgrade() -> None:
    for table, default in (("disputes", "partnership"), ("capacity_profiles", "partnership")):
        op.add_column(table, sa.Column("handling_code", sa.Text(), nullable=False, server_default=default))
        op.add_column(
            table,
            sa.Column(
                "handling_countries", postgresql.ARRAY(sa.String(2)), nullable=False, server_default="{}"
            ),
        )
        op.create_check_constraint(f"{table}_handling_code", table, CODE_CHECK)
        drop_row_level_security(table)
    row_level_security(
        "disputes",
        read=releasable("disputes", "disputes.raised_by_country_code", member_of("disputes.partnership_id")),
        write=member_of("disputes.partnership_id"),
    )
    row_level_security(
        "capacity_profiles",
        read=releasable(
            "capacity_profiles",
            "(SELECT a.country_code FROM agencies a WHERE a.id = capacity_profiles.agency_id)",
            shares_a_partnership_with("capacity_profiles.agency_id"),
        ),
        write=agency_of_tenant("agency_id"),
    )
    # Comments and resolutions are seen by whoever sees their dispute (the subquery is itself confined).
    for table in ("dispute_comments", "dispute_resolutions"):
        drop_row_level_security(table)
        row_level_security(table, read=f"EXISTS (SELECT 1 FROM disputes d WHERE d.id = {table}.dispute_id)")
    op.create_table(
        "handling_changes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("originator_country_code", sa.String(2), sa.ForeignKey("countries.code"), nullable=False),
        sa.Column("previous_code", sa.Text(), nullable=False),
        sa.Column("new_code", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("handling_changes_object", "handling_changes", ["object_type", "object_id", "changed_at"])
    row_level_security("handling_changes", read=f"originator_country_code = {TENANT_SQL}")


def downgrade() -> None:
    drop_row_level_security("handling_changes")
    op.drop_table("handling_changes")
    for table in ("dispute_comments", "dispute_resolutions"):
        drop_row_level_security(table)
        row_level_security(
            table, read=member_of(f"SELECT d.partnership_id FROM disputes d WHERE d.id = {table}.dispute_id")
        )
    for table in ("disputes", "capacity_profiles"):
        drop_row_level_security(table)
        op.drop_constraint(f"{table}_handling_code", table)
        op.drop_column(table, "handling_countries")
        op.drop_column(table, "handling_code")
    row_level_security("disputes", read=member_of("partnership_id"))
    row_level_security(
        "capacity_profiles",
        read=f"{agency_of_tenant('agency_id')} OR {shares_a_partnership_with('capacity_profiles.agency_id')}",
        write=agency_of_tenant("agency_id"),
    )
