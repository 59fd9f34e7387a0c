"""a month's position partition is made even when fixes of that month already sit in the
default partition (written by SQL, or before the month had its own): they move into it.
PostgreSQL refuses to create a partition over rows the default partition holds, so such a
month refused every batch of fixes until someone moved them by hand.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

PARTITION_LOCK = 0x706f73       # "pos", as in 0008


def upgrade() -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_ensure_position_partition(at timestamptz) RETURNS text
        LANGUAGE plpgsql AS $$
        DECLARE
            month_start date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
            name text := 'position_' || to_char(month_start, 'YYYY_MM');
            low timestamptz := month_start::timestamp AT TIME ZONE 'UTC';
            high timestamptz := (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        BEGIN
            IF to_regclass(name) IS NULL THEN
                PERFORM pg_advisory_xact_lock({PARTITION_LOCK}, to_char(month_start, 'YYYYMM')::int);
                IF to_regclass(name) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I (LIKE position INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
                    EXECUTE format('WITH moved AS (DELETE FROM position_default WHERE fixed_at >= %L '
                                   'AND fixed_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                                   low, high, name);
                    EXECUTE format('ALTER TABLE position ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                                   name, low, high);
                END IF;
            END IF;
            RETURN name;
        END $$""")


def downgrade() -> None:
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
