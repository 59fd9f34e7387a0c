"""layer versions of a partitioned table counted under the table's own name: a row trigger
fires on the partition, whose TG_TABLE_NAME is position_2026_11, so the fixes bumped a layer no
one reads and the positions layer's ETag and kept count never moved (a client got a stale
page, GDAL stopped paging at the old count). The bump now names the partition tree's root.

Revision ID: 0033
Revises: 0032
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

SHARDS = 16       # as in 0007
_LAYER = "(SELECT relname::text FROM pg_class WHERE oid = coalesce(pg_partition_root(TG_RELID), TG_RELID))"


def _functions(layer: str) -> None:
    bump = f"""
        INSERT INTO layer_version (layer, shard) VALUES ({layer}, pg_backend_pid() % {SHARDS})
        ON CONFLICT (layer, shard) DO UPDATE
           SET version = layer_version.version + 1, changed_at = now();"""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {bump}
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_bump_layer_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- transaction-local: the first row of a table in a transaction bumps, the rest skip
            IF current_setting('gridmap.bumped_' || TG_TABLE_NAME, true) = 'yes' THEN
                RETURN NULL;
            END IF;
            PERFORM set_config('gridmap.bumped_' || TG_TABLE_NAME, 'yes', true);
            {bump}
            RETURN NULL;
        END $$""")


def upgrade() -> None:
    _functions(_LAYER)
    # what the partitions counted so far joins the table's own count
    op.execute("""
        INSERT INTO layer_version (layer, shard, version, changed_at)
        SELECT 'position', 0, sum(version), max(changed_at) FROM layer_version WHERE layer LIKE 'position\\_%'
        HAVING count(*) > 0
        ON CONFLICT (layer, shard) DO UPDATE
           SET version = layer_version.version + EXCLUDED.version, changed_at = EXCLUDED.changed_at""")
    op.execute("DELETE FROM layer_version WHERE layer LIKE 'position\\_%'")


def downgrade() -> None:
    _functions("TG_TABLE_NAME")
