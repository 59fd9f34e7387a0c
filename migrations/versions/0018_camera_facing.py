"""how each camera's bearing was found, and which figures an operator set.

bearing_from: 'source' (mapped), 'wall' or 'road' (estimated from the ground, app/geo/facing.py),
'dome' (nothing to go by: a short-range dome), 'operator' (set on the wall). set_by_operator
lists the figures a person set, which a re-import leaves as they are. Cameras with an estimated
bearing are queued, so the next coverage refresh estimates them from the ground.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SOURCES = ("source", "wall", "road", "dome", "operator")


def upgrade() -> None:
    op.add_column("camera", sa.Column("bearing_from", sa.String(8), nullable=True))
    op.create_check_constraint(op.f("ck_camera_bearing_from"), "camera",
                               f"bearing_from IS NULL OR bearing_from IN {SOURCES}")
    op.add_column("camera", sa.Column("set_by_operator", ARRAY(sa.String(16)), nullable=False,
                                      server_default="{}"))
    op.execute("UPDATE camera SET bearing_from = 'source' "
               "WHERE bearing IS NOT NULL AND NOT 'bearing' = ANY(estimated)")
    op.execute("""
        INSERT INTO camera_dirty (camera_id, geom)
        SELECT id, ST_Multi(geom) FROM camera WHERE 'bearing' = ANY(estimated)
        ON CONFLICT (camera_id) DO NOTHING""")


def downgrade() -> None:
    op.drop_column("camera", "set_by_operator")
    op.drop_constraint(op.f("ck_camera_bearing_from"), "camera", type_="check")
    op.drop_column("camera", "bearing_from")
