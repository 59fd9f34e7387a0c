"""commits that do not queue: layer versions in per-backend shards, stream payloads built
before the stream lock

Measured under 16 concurrent reporters (bench/incidents.py with pg_stat_statements): the
commit-time bump of the single 'incident' row of layer_version waited 9 ms on average —
every commit held that row until its end, so commits ran one at a time — and building each
event's JSON (a SQL function, planned on every call) took 0.7 ms inside the stream lock.

A layer's version is now the sum of its shards; a backend bumps only the shard of its own
process id, so concurrent commits rarely meet. The sum still rises with every write, which
is all an ETag needs. The event's JSON is built by a PL/pgSQL function (its plan is kept)
before the stream lock is taken; only numbering and NOTIFY happen under it.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SHARDS = 16
STREAM_LOCK = 0x73747265616d     # "stream", as in 0006

_BUMP = """
    INSERT INTO layer_version (layer, shard) VALUES (TG_TABLE_NAME, {shard})
    ON CONFLICT (layer, shard) DO UPDATE
       SET version = layer_version.version + 1, changed_at = now();"""

_BODY = """
    CREATE OR REPLACE FUNCTION gridmap_stream_body(e incident_event) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
        RETURN (SELECT json_build_object(
            'type', 'incident', 'event_id', e.id, 'at', e.at, 'action', e.action,
            'actor', e.actor, 'from', e.from_status, 'to', e.to_status,
            'note', left(e.note, 500),
            'incident', json_build_object(
                'id', i.id, 'code', i.code, 'status', i.status, 'level', i.level,
                'category', i.category_code, 'severity', i.severity, 'channel', i.channel,
                'lon', round(ST_X(i.geom)::numeric, 7), 'lat', round(ST_Y(i.geom)::numeric, 7),
                'grid', g.code, 'community_id', i.community_id, 'street_id', i.street_id,
                'assignee_id', i.assignee_id, 'reported_at', i.reported_at,
                'due_respond_at', i.due_respond_at, 'due_resolve_at', i.due_resolve_at,
                'overdue', i.overdue_since IS NOT NULL, 'flag', i.flag, 'triage', i.triage,
                'duplicate_of_id', i.duplicate_of_id, 'description', left(i.description, 200)))::text
            FROM incident i LEFT JOIN grid g ON g.id = i.grid_id
            WHERE i.id = e.incident_id);
    END $$"""


def upgrade() -> None:
    op.execute("ALTER TABLE layer_version ADD COLUMN shard smallint NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE layer_version DROP CONSTRAINT layer_version_pkey")
    op.execute("ALTER TABLE layer_version ADD CONSTRAINT pk_layer_version PRIMARY KEY (layer, shard)")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_BUMP.format(shard=f"pg_backend_pid() % {SHARDS}")}
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
            {_BUMP.format(shard=f"pg_backend_pid() % {SHARDS}")}
            RETURN NULL;
        END $$""")
    op.execute(_BODY)
    op.execute("""
        CREATE OR REPLACE FUNCTION gridmap_stream_event(e incident_event, seq bigint) RETURNS json
        LANGUAGE sql STABLE AS $$
            SELECT ('{"id": ' || seq || ', ' || substr(gridmap_stream_body(e), 2))::json
        $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_publish_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            body text := gridmap_stream_body(NEW);
            position bigint;
        BEGIN
            -- from here to the end of the commit, one transaction at a time (see 0006)
            PERFORM pg_advisory_xact_lock({STREAM_LOCK});
            INSERT INTO stream_position (event_id) VALUES (NEW.id) RETURNING seq INTO position;
            PERFORM pg_notify('gridmap_stream', '{{"id": ' || position || ', ' || substr(body, 2));
            RETURN NULL;
        END $$""")


def downgrade() -> None:
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_publish_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE position bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock({STREAM_LOCK});
            INSERT INTO stream_position (event_id) VALUES (NEW.id) RETURNING seq INTO position;
            PERFORM pg_notify('gridmap_stream', gridmap_stream_event(NEW, position)::text);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE OR REPLACE FUNCTION gridmap_stream_event(e incident_event, seq bigint) RETURNS json
        LANGUAGE sql STABLE AS $$
            SELECT json_build_object(
                'type', 'incident', 'id', seq, 'event_id', e.id, 'at', e.at, 'action', e.action,
                'actor', e.actor, 'from', e.from_status, 'to', e.to_status,
                'note', left(e.note, 500),
                'incident', json_build_object(
                    'id', i.id, 'code', i.code, 'status', i.status, 'level', i.level,
                    'category', i.category_code, 'severity', i.severity, 'channel', i.channel,
                    'lon', round(ST_X(i.geom)::numeric, 7), 'lat', round(ST_Y(i.geom)::numeric, 7),
                    'grid', g.code, 'community_id', i.community_id, 'street_id', i.street_id,
                    'assignee_id', i.assignee_id, 'reported_at', i.reported_at,
                    'due_respond_at', i.due_respond_at, 'due_resolve_at', i.due_resolve_at,
                    'overdue', i.overdue_since IS NOT NULL, 'flag', i.flag, 'triage', i.triage,
                    'duplicate_of_id', i.duplicate_of_id, 'description', left(i.description, 200)))
            FROM incident i LEFT JOIN grid g ON g.id = i.grid_id
            WHERE i.id = e.incident_id
        $$""")
    op.execute("DROP FUNCTION gridmap_stream_body(incident_event)")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_bump_layer_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('gridmap.bumped_' || TG_TABLE_NAME, true) = 'yes' THEN
                RETURN NULL;
            END IF;
            PERFORM set_config('gridmap.bumped_' || TG_TABLE_NAME, 'yes', true);
            INSERT INTO layer_version (layer) VALUES (TG_TABLE_NAME)
            ON CONFLICT (layer) DO UPDATE
               SET version = layer_version.version + 1, changed_at = now();
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE OR REPLACE FUNCTION gridmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO layer_version (layer) VALUES (TG_TABLE_NAME)
            ON CONFLICT (layer) DO UPDATE
               SET version = layer_version.version + 1, changed_at = now();
            RETURN NULL;
        END $$""")
    # the shards fold back into one row per layer, keeping the summed version
    op.execute("""
        CREATE TEMP TABLE folded ON COMMIT DROP AS
        SELECT layer, sum(version)::bigint AS version, max(changed_at) AS changed_at
        FROM layer_version GROUP BY layer""")
    op.execute("DELETE FROM layer_version")
    op.execute("ALTER TABLE layer_version DROP CONSTRAINT pk_layer_version")
    op.execute("ALTER TABLE layer_version DROP COLUMN shard")
    op.execute("ALTER TABLE layer_version ADD CONSTRAINT layer_version_pkey PRIMARY KEY (layer)")
    op.execute("INSERT INTO layer_version SELECT layer, version, changed_at FROM folded")
