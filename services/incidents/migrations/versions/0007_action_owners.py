"""Seeing an improvement action is not steering it: every country of its drill sees it, but only its owner's
country and the drill cycle's owner may complete (change) it.

Revision ID: 0007_action_owners
Revises: 0006_stewards
"""

from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

revision = "0007_action_owners"
down_revision = "0006_stewards"
branch_labels = None
depends_on = None

READ = "EXISTS (SELECT 1 FROM drills d WHERE d.id = improvement_actions.drill_id)"
OWNERS = (
    f"({TENANT_SQL} = owner_country_code OR EXISTS (SELECT 1 FROM drills d JOIN drill_cycles c "
    f"ON c.id = d.cycle_id WHERE d.id = improvement_actions.drill_id AND c.owner_country_code = {TENANT_SQL}))"
)


def upgrade() -> None:
    drop_row_level_security("improvement_actions")
    row_level_security("improvement_actions", read=READ, steer=OWNERS)


def downgrade() -> None:
    drop_row_level_security("improvement_actions")
    row_level_security("improvement_actions", read=READ)
