"""the stream is numbered after commit, by one sequencer, instead of at commit under a lock

Since 0006 each event got its stream position at commit under one transaction-wide lock,
held to the end of the commit so that positions rose in commit order. Every writer of an
incident event queued on it, and the queue grew whenever the holder lost its core to another
process: on two cores under the intake benchmark the lock was waited on for 2.9 ms per take
(pg_stat_statements), rows held by the waiting commits (layer versions, a shared token's
last use) made others wait in turn, and the cores sat partly idle with reports waiting.

Now a committed event only waits in `stream_unsequenced`, and its NOTIFY wakes the
sequencer: the one stream hub (app/services/live/stream.py) that holds the sequencer's session
lock. It numbers what is waiting, in event order, in its own transaction, and publishes
each event on `gridmap_stream` with its position. One numberer, one transaction at a time:
positions become visible in the order they rise, which is all Last-Event-ID needs. Events
written while no hub runs (a command, a restart) wait and are numbered when one starts.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

STREAM_LOCK = 0x73747265616d     # "stream", as in 0006 and 0007
SEQUENCE_BATCH = 1000            # as app.services.live.stream.SEQUENCE_BATCH

_PUBLISH_AT_COMMIT = f"""
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
    END $$"""


def upgrade() -> None:
    op.create_table(
        "stream_unsequenced",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stream_unsequenced")),
    )
    op.execute("DROP TRIGGER incident_event_publish ON incident_event")
    op.execute("DROP FUNCTION gridmap_publish_incident_event()")
    # a plain row trigger: the queue row commits or rolls back with the event, and NOTIFY
    # is sent only at commit (one per transaction: equal notices in one are folded)
    op.execute("""
        CREATE FUNCTION gridmap_queue_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO stream_unsequenced (event_id) VALUES (NEW.id);
            PERFORM pg_notify('gridmap_unsequenced', '');
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER incident_event_queue AFTER INSERT ON incident_event
        FOR EACH ROW EXECUTE FUNCTION gridmap_queue_incident_event()""")
    # Run by the sequencer only. Events still being written are not visible to it and stay
    # queued; their commit's NOTIFY wakes it again. At most a batch at a time: a backlog
    # (a bulk load, a night without a server) goes out in short transactions, each batch's
    # notices reaching the streams before the next is numbered.
    op.execute(f"""
        CREATE FUNCTION gridmap_sequence_events() RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            waiting bigint[];
            e incident_event;
            position bigint;
        BEGIN
            WITH taken AS (
                DELETE FROM stream_unsequenced WHERE event_id IN (
                    SELECT event_id FROM stream_unsequenced ORDER BY event_id LIMIT {SEQUENCE_BATCH})
                RETURNING event_id)
            SELECT array_agg(event_id ORDER BY event_id) INTO waiting FROM taken;
            IF waiting IS NULL THEN
                RETURN 0;
            END IF;
            FOR e IN SELECT ev.* FROM incident_event ev WHERE ev.id = ANY (waiting) ORDER BY ev.id LOOP
                INSERT INTO stream_position (event_id) VALUES (e.id) RETURNING seq INTO position;
                PERFORM pg_notify('gridmap_stream',
                                  '{{"id": ' || position || ', ' || substr(gridmap_stream_body(e), 2));
            END LOOP;
            RETURN cardinality(waiting);
        END $$""")


def downgrade() -> None:
    # nothing left unnumbered, a batch at a time
    op.execute("DO $$ BEGIN WHILE gridmap_sequence_events() > 0 LOOP END LOOP; END $$")
    op.execute("DROP TRIGGER incident_event_queue ON incident_event")
    op.execute("DROP FUNCTION gridmap_queue_incident_event()")
    op.execute("DROP FUNCTION gridmap_sequence_events()")
    op.drop_table("stream_unsequenced")
    op.execute(_PUBLISH_AT_COMMIT)
    op.execute("""
        CREATE CONSTRAINT TRIGGER incident_event_publish AFTER INSERT ON incident_event
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION gridmap_publish_incident_event()""")
