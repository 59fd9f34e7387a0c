"""stream order: live events numbered in commit order

Event ids come from a sequence at INSERT, but transactions commit in another order, so a
stream cursor on event ids could skip an event that committed late. Each event now gets a
stream position when its transaction commits (a deferred trigger under a transaction lock,
so positions rise in commit order), and the NOTIFY goes out then, carrying that position.
Last-Event-ID is a stream position.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

STREAM_LOCK = 0x73747265616d     # "stream"


def upgrade() -> None:
    op.create_table(
        "stream_position",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["incident_event.id"],
                                name=op.f("fk_stream_position_event_id_incident_event")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_stream_position")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stream_position_event_id")),
    )
    op.execute("DROP TRIGGER incident_event_notify ON incident_event")
    op.execute("DROP FUNCTION gridmap_notify_incident_event()")
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
    op.execute("DROP FUNCTION gridmap_stream_event(incident_event)")
    # The lock is held from here to the end of the commit: the next transaction to number an
    # event waits until this one is visible, so positions rise in commit order. It covers
    # only the commit itself, not the transaction's work.
    op.execute(f"""
        CREATE FUNCTION gridmap_publish_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE position bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock({STREAM_LOCK});
            INSERT INTO stream_position (event_id) VALUES (NEW.id) RETURNING seq INTO position;
            PERFORM pg_notify('gridmap_stream', gridmap_stream_event(NEW, position)::text);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE CONSTRAINT TRIGGER incident_event_publish AFTER INSERT ON incident_event
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION gridmap_publish_incident_event()""")
    # events written before this revision get positions in id order
    op.execute("INSERT INTO stream_position (event_id) SELECT id FROM incident_event ORDER BY id")


def downgrade() -> None:
    op.execute("DROP TRIGGER incident_event_publish ON incident_event")
    op.execute("DROP FUNCTION gridmap_publish_incident_event()")
    op.execute("DROP FUNCTION gridmap_stream_event(incident_event, bigint)")
    op.drop_table("stream_position")
    op.execute("""
        CREATE FUNCTION gridmap_stream_event(e incident_event) RETURNS json
        LANGUAGE sql STABLE AS $$
            SELECT json_build_object('type', 'incident', 'id', e.id, 'at', e.at, 'action', e.action,
                'actor', e.actor, 'from', e.from_status, 'to', e.to_status, 'note', left(e.note, 500),
                'incident', json_build_object('id', i.id, 'code', i.code, 'status', i.status,
                    'level', i.level, 'category', i.category_code,
                    'lon', round(ST_X(i.geom)::numeric, 7), 'lat', round(ST_Y(i.geom)::numeric, 7),
                    'assignee_id', i.assignee_id))
            FROM incident i WHERE i.id = e.incident_id
        $$""")
    op.execute("""
        CREATE FUNCTION gridmap_notify_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gridmap_stream', gridmap_stream_event(NEW)::text);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER incident_event_notify AFTER INSERT ON incident_event
        FOR EACH ROW EXECUTE FUNCTION gridmap_notify_incident_event()""")
