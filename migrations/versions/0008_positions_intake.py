"""positions intake: month partitions made safely under concurrency, and daily tracks that
outlive the fixes they were made from

Two requests with the first fixes of a new month both found its partition missing and both
tried to create it; the second failed. The function now takes a transaction lock per month.
Retention drops whole months of fixes; each worker's day is first kept in `track_day`.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PARTITION_LOCK = 0x706f73       # "pos"


def upgrade() -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_ensure_position_partition(at timestamptz) RETURNS text
        LANGUAGE plpgsql AS $$
        DECLARE
            month_start date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
            name text := 'position_' || to_char(month_start, 'YYYY_MM');
        BEGIN
            IF to_regclass(name) IS NULL THEN
                PERFORM pg_advisory_xact_lock({PARTITION_LOCK}, to_char(month_start, 'YYYYMM')::int);
                IF to_regclass(name) IS NULL THEN
                    EXECUTE format(
                        'CREATE TABLE %I PARTITION OF position FOR VALUES FROM (%L) TO (%L)',
                        name, month_start::timestamp AT TIME ZONE 'UTC',
                        (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
                END IF;
            END IF;
            RETURN name;
        END $$""")
    op.create_table(
        "track_day",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fixes", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("geom", Geometry("MULTILINESTRING", srid=4326, spatial_index=False), nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], name=op.f("fk_track_day_worker_id_worker")),
        sa.PrimaryKeyConstraint("worker_id", "day", name=op.f("pk_track_day")),
    )
    op.create_index("ix_track_day_geom", "track_day", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_track_day_geom", table_name="track_day")
    op.drop_table("track_day")
    op.execute("""
        CREATE OR REPLACE FUNCTION gridmap_ensure_position_partition(at timestamptz) RETURNS text
        LANGUAGE plpgsql AS $$
        DECLARE
            month_start date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
            name text := 'position_' || to_char(month_start, 'YYYY_MM');
        BEGIN
            IF to_regclass(name) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF position FOR VALUES FROM (%L) TO (%L)',
                    name, month_start::timestamp AT TIME ZONE 'UTC',
                    (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            END IF;
            RETURN name;
        END $$""")
