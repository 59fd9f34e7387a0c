"""camera coverage kept up to date: cameras to recompute, and the roads no camera sees

A camera's coverage depends on its own figures and on the buildings within its range. Triggers
queue the affected cameras (a building counts as changed when its footprint did: assigning it
to a grid does not) in `camera_dirty` (with where they stand, before and after, so the
blind spots around a moved or deleted camera are redone too); the app works the queue off.
`camera_blind_spot` holds the pieces of road that no online camera sees, served as a layer.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# A building's reach in degrees before the exact test in metres: 0.003° of longitude is 80 m as
# far north as 74°; cameras reaching further than that are caught by the second, wider test.
_NEAR_CAMERAS = """
    SELECT c.id, ST_Multi(c.geom) FROM camera c
    WHERE EXISTS (SELECT 1 FROM {table} b
                  WHERE c.geom && ST_Expand(b.geom, greatest(0.003, c.range_m / 25000.0))
                    AND ST_DWithin(c.geom::geography, b.geom::geography, c.range_m))"""

_QUEUE = """
    INSERT INTO camera_dirty (camera_id, geom) {rows}
    ON CONFLICT (camera_id) DO UPDATE SET geom = ST_Multi(ST_Union(camera_dirty.geom, EXCLUDED.geom))"""


def upgrade() -> None:
    op.execute("""
        CREATE TABLE camera_dirty (
            camera_id integer CONSTRAINT pk_camera_dirty PRIMARY KEY,
            geom geometry(MultiPoint, 4326) NOT NULL,
            since timestamptz NOT NULL DEFAULT now())""")
    op.execute("CREATE INDEX ix_camera_dirty_geom ON camera_dirty USING gist (geom)")
    op.execute("""
        CREATE TABLE camera_blind_spot (
            id bigserial CONSTRAINT pk_camera_blind_spot PRIMARY KEY,
            road_id integer NOT NULL
                CONSTRAINT fk_camera_blind_spot_road_id_road REFERENCES road (id) ON DELETE CASCADE,
            length_m double precision NOT NULL,
            geom geometry(LineString, 4326) NOT NULL)""")
    op.execute("CREATE INDEX ix_camera_blind_spot_geom ON camera_blind_spot USING gist (geom)")
    op.execute("CREATE INDEX ix_camera_blind_spot_road_id ON camera_blind_spot (road_id)")
    op.execute("""
        CREATE TRIGGER camera_blind_spot_layer_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON camera_blind_spot
        FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")
    op.execute(f"""
        CREATE FUNCTION gridmap_camera_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                {_QUEUE.format(rows="VALUES (NEW.id, ST_Multi(NEW.geom))")};
            END IF;
            IF TG_OP <> 'INSERT' THEN
                {_QUEUE.format(rows="VALUES (OLD.id, ST_Multi(OLD.geom))")};
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER camera_dirty AFTER INSERT OR DELETE
            OR UPDATE OF geom, bearing, fov, range_m, kind, status ON camera
        FOR EACH ROW EXECUTE FUNCTION gridmap_camera_changed()""")
    moved = "(SELECT {side}.geom FROM changed n JOIN gone o ON o.id = n.id WHERE NOT ST_OrderingEquals(n.geom, o.geom))"
    for name, tables in (("changed", ("changed",)), ("moved", (moved.format(side="n"), moved.format(side="o")))):
        op.execute(f"""
            CREATE FUNCTION gridmap_buildings_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {_QUEUE.format(rows=" UNION ".join(_NEAR_CAMERAS.format(table=t) for t in tables))};
                RETURN NULL;
            END $$""")
    op.execute("""
        CREATE TRIGGER building_added_cameras AFTER INSERT ON building
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION gridmap_buildings_changed()""")
    op.execute("""
        CREATE TRIGGER building_removed_cameras AFTER DELETE ON building
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION gridmap_buildings_changed()""")
    op.execute("""
        CREATE TRIGGER building_moved_cameras AFTER UPDATE ON building
        REFERENCING OLD TABLE AS gone NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION gridmap_buildings_moved()""")
    # what exists already is computed once
    op.execute(_QUEUE.format(rows="SELECT id, ST_Multi(geom) FROM camera"))


def downgrade() -> None:
    for trigger, table in (("building_added_cameras", "building"), ("building_removed_cameras", "building"),
                           ("building_moved_cameras", "building"), ("camera_dirty", "camera")):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in ("gridmap_buildings_changed", "gridmap_buildings_moved", "gridmap_camera_changed"):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP TABLE camera_blind_spot")
    op.execute("DROP TABLE camera_dirty")
