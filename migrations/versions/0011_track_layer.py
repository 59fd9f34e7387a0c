"""worker tracks as a layer: track_day's writes bump its layer version (the ETag of the
`tracks` collection and its tiles)

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO layer_version (layer) VALUES ('track_day') ON CONFLICT DO NOTHING")
    op.execute("""
        CREATE TRIGGER track_day_layer_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON track_day
        FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER track_day_layer_version ON track_day")
    op.execute("DELETE FROM layer_version WHERE layer = 'track_day'")
