"""where the incidents that can still take a duplicate are: a GiST index on the place of open
(and resolved, not yet verified) incidents that were not merged. A new report looks for a
possible duplicate within 50 m among those; through the index of every incident's place it
read every incident ever filed in the box, a number that only grows with the years.

Revision ID: 0014
Revises: 0013
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# as app.services.incidents.loop.DUPLICATE_STATUSES
STATUSES = ("reported", "assigned", "accepted", "in_progress", "reopened", "escalated", "resolved")


def upgrade() -> None:
    op.execute(f"""
        CREATE INDEX ix_incident_open_geom ON incident USING gist (geom)
        WHERE status IN {STATUSES} AND merged_into_id IS NULL""")


def downgrade() -> None:
    op.drop_index("ix_incident_open_geom", table_name="incident")
