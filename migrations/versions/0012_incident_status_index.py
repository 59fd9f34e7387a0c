"""incidents by status in id order: the incidents layer's and the lists' `?status=` pages and
their counts are answered from one index instead of a scan of every incident

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_status_id", "incident", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_incident_status_id", table_name="incident")
