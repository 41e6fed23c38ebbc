"""Grant conditions become records: an id, the text, whether it is a condition precedent (no receipt until met),
a due date, and when it was met with what evidence. Existing texts become conditions c1, c2, ... not precedent.

Revision ID: 0016_grant_conditions
Revises: 0015_former_members_dues
"""

from alembic import op

revision = "0016_grant_conditions"
down_revision = "0015_former_members_dues"
branch_labels = None
depends_on = None


def _as_platform() -> None:
    """Every partnership's rows (row-level security is forced on the tables' owner too)."""
    op.execute("SELECT set_config('backbone.tenant', '*', true)")


def upgrade() -> None:
    _as_platform()
    op.execute(
        """
        UPDATE grant_agreements g SET conditions = coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'id', 'c' || n, 'text', t, 'precedent', false, 'due_on', null, 'met_on', null, 'evidence', null
            ) ORDER BY n)
            FROM jsonb_array_elements_text(g.conditions) WITH ORDINALITY AS c(t, n)
        ), '[]'::jsonb)
        WHERE jsonb_typeof(g.conditions) = 'array'
          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(g.conditions) e WHERE jsonb_typeof(e) = 'object')
        """
    )


def downgrade() -> None:
    _as_platform()
    op.execute(
        """
        UPDATE grant_agreements g SET conditions = coalesce(
            (SELECT jsonb_agg(e->'text') FROM jsonb_array_elements(g.conditions) e), '[]'::jsonb
        )
        """
    )
