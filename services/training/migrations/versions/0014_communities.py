"""Communities of practice: per specialty within a partnership, with members, mentors and posts.

Revision ID: 0014_communities
Revises: 0013_recognition
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0014_communities"
down_revision = "0013_recognition"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("partnership_id", UUID, nullable=False, index=True),
        sa.Column("specialty", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("created_by_country_code", sa.String(2), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("partnership_id", "specialty", name="community_per_specialty"),
    )
    row_level_security("communities", read=f"{TENANT_SQL} = ANY(countries)")
    op.create_table(
        "community_members",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("community_id", UUID, sa.ForeignKey("communities.id"), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("joined_at", WHEN, nullable=False),
        sa.Column("left_at", WHEN),
        sa.CheckConstraint("role IN ('member', 'mentor')", name="community_role"),
    )
    op.execute(
        "CREATE UNIQUE INDEX community_member_once ON community_members (community_id, subject) "
        "WHERE left_at IS NULL"
    )
    in_community = "EXISTS (SELECT 1 FROM communities c WHERE c.id = {table}.community_id)"
    row_level_security("community_members", read=in_community.format(table="community_members"))
    op.create_table(
        "community_posts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("community_id", UUID, sa.ForeignKey("communities.id"), nullable=False, index=True),
        sa.Column("member_id", UUID, sa.ForeignKey("community_members.id"), nullable=False),
        sa.Column("reply_to", UUID, sa.ForeignKey("community_posts.id")),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_community_posts_page", "community_posts", ["community_id", "created_at", "id"])
    row_level_security("community_posts", read=in_community.format(table="community_posts"))


def downgrade() -> None:
    for table in ("community_posts", "community_members", "communities"):
        drop_row_level_security(table)
        op.drop_table(table)
