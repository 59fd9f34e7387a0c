"""layer versions: a counter per table, bumped by one statement-level trigger per write, so
that the layers API can answer If-None-Match without running the query

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SERVED = ("area", "grid", "building", "road", "road_segment", "camera", "camera_coverage",
          "incident", "position", "worker", "worker_assignment")


def upgrade() -> None:
    op.execute("""
        CREATE TABLE layer_version (
            layer text PRIMARY KEY,
            version bigint NOT NULL DEFAULT 1,
            changed_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("""
        CREATE FUNCTION gridmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO layer_version (layer) VALUES (TG_TABLE_NAME)
            ON CONFLICT (layer) DO UPDATE
               SET version = layer_version.version + 1, changed_at = now();
            RETURN NULL;
        END $$""")
    for table in SERVED:
        op.execute(f"""
            CREATE TRIGGER {table}_layer_version
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")
    op.execute(f"INSERT INTO layer_version (layer) SELECT unnest(ARRAY{list(SERVED)})")


def downgrade() -> None:
    for table in SERVED:
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
    op.execute("DROP FUNCTION gridmap_bump_layer_version()")
    op.execute("DROP TABLE layer_version")
