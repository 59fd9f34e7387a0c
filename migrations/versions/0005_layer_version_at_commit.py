"""layer versions bumped at commit: the statement-level bump held the layer's counter row
locked from a transaction's first write to its commit, so concurrent incident reports queued
behind each other. A deferred constraint trigger bumps once per table per transaction, at
commit, holding the row for a moment only.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SERVED = ("area", "grid", "building", "road", "road_segment", "camera", "camera_coverage",
          "incident", "position", "worker", "worker_assignment")


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION gridmap_bump_layer_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- transaction-local: the first row of a table in a transaction bumps, the rest skip
            IF current_setting('gridmap.bumped_' || TG_TABLE_NAME, true) = 'yes' THEN
                RETURN NULL;
            END IF;
            PERFORM set_config('gridmap.bumped_' || TG_TABLE_NAME, 'yes', true);
            INSERT INTO layer_version (layer) VALUES (TG_TABLE_NAME)
            ON CONFLICT (layer) DO UPDATE
               SET version = layer_version.version + 1, changed_at = now();
            RETURN NULL;
        END $$""")
    for table in SERVED:
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER {table}_layer_version
            AFTER INSERT OR UPDATE OR DELETE ON {table}
            DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION gridmap_bump_layer_version_once()""")
        op.execute(f"""
            CREATE TRIGGER {table}_layer_version_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")


def downgrade() -> None:
    for table in SERVED:
        op.execute(f"DROP TRIGGER {table}_layer_version_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
        op.execute(f"""
            CREATE TRIGGER {table}_layer_version
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_layer_version()""")
    op.execute("DROP FUNCTION gridmap_bump_layer_version_once()")
