"""incident loop: the columns the closed loop needs, photos, idempotent requests, and the
NOTIFY triggers that feed the live stream

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "('reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated')"


def upgrade() -> None:
    # Retries are now answered from idempotent_request (any POST, not only reports).
    op.drop_constraint("uq_incident_idempotency_key", "incident", type_="unique")
    op.drop_column("incident", "idempotency_key")
    for column in (
        sa.Column("merged_into_id", sa.BigInteger(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_by", sa.String(100), server_default="anonymous", nullable=False),
        sa.Column("flag", sa.String(32), nullable=True),
        sa.Column("triage", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ever_overdue", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("escalations", sa.SmallInteger(), server_default="0", nullable=False),
    ):
        op.add_column("incident", column)
    op.create_foreign_key(op.f("fk_incident_merged_into_id_incident"), "incident", "incident",
                          ["merged_into_id"], ["id"])
    # The clock's question, asked every tick: which open incidents have a deadline behind them.
    op.execute(f"CREATE INDEX ix_incident_open_deadlines ON incident (due_respond_at, due_resolve_at) "
               f"WHERE status IN {OPEN} AND overdue_since IS NULL")
    op.create_index(op.f("ix_incident_event_at"), "incident_event", ["at"])

    op.create_table(
        "incident_photo",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_photo_incident_id_incident")),
        sa.ForeignKeyConstraint(["event_id"], ["incident_event.id"], name=op.f("fk_incident_photo_event_id_incident_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_photo")),
    )
    op.create_index(op.f("ix_incident_photo_incident_id"), "incident_photo", ["incident_id"])
    op.create_table(
        "idempotent_request",
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("body", postgresql.JSONB(), nullable=True),
        sa.Column("headers", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name=op.f("pk_idempotent_request")),
    )
    op.create_index(op.f("ix_idempotent_request_created_at"), "idempotent_request", ["created_at"])
    _stream_triggers()


def _stream_triggers() -> None:
    # One shape for a live event and a replayed one: the trigger and the replay query both
    # call gridmap_stream_event. Text fields are cut short so a payload stays far below
    # NOTIFY's 8000-byte limit.
    op.execute("""
        CREATE FUNCTION gridmap_stream_event(e incident_event) RETURNS json
        LANGUAGE sql STABLE AS $$
            SELECT json_build_object(
                'type', 'incident', 'id', e.id, 'at', e.at, 'action', e.action,
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
    op.execute("""
        CREATE FUNCTION gridmap_notify_incident_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gridmap_stream', gridmap_stream_event(NEW)::text);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER incident_event_notify AFTER INSERT ON incident_event
        FOR EACH ROW EXECUTE FUNCTION gridmap_notify_incident_event()""")
    # Positions arrive in batches: one notification per worker per batch (their latest fix)
    # is all a live map needs, and keeps NOTIFY traffic flat under heavy intake.
    op.execute("""
        CREATE FUNCTION gridmap_notify_positions() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE fix record;
        BEGIN
            FOR fix IN
                SELECT DISTINCT ON (n.worker_id) n.worker_id, w.code, n.fixed_at, n.accuracy_m,
                       n.speed_mps, n.flag, ST_X(n.geom) AS lon, ST_Y(n.geom) AS lat
                FROM new_fixes n JOIN worker w ON w.id = n.worker_id
                ORDER BY n.worker_id, n.fixed_at DESC
            LOOP
                PERFORM pg_notify('gridmap_stream', json_build_object(
                    'type', 'position', 'worker_id', fix.worker_id, 'worker', fix.code,
                    'at', fix.fixed_at, 'lon', round(fix.lon::numeric, 7),
                    'lat', round(fix.lat::numeric, 7), 'accuracy_m', fix.accuracy_m,
                    'speed_mps', fix.speed_mps, 'flag', fix.flag)::text);
            END LOOP;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER position_notify AFTER INSERT ON position
        REFERENCING NEW TABLE AS new_fixes
        FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_positions()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER position_notify ON position")
    op.execute("DROP FUNCTION gridmap_notify_positions()")
    op.execute("DROP TRIGGER incident_event_notify ON incident_event")
    op.execute("DROP FUNCTION gridmap_notify_incident_event()")
    op.execute("DROP FUNCTION gridmap_stream_event(incident_event)")
    op.drop_index(op.f("ix_idempotent_request_created_at"), table_name="idempotent_request")
    op.drop_table("idempotent_request")
    op.drop_index(op.f("ix_incident_photo_incident_id"), table_name="incident_photo")
    op.drop_table("incident_photo")
    op.drop_index(op.f("ix_incident_event_at"), table_name="incident_event")
    op.execute("DROP INDEX ix_incident_open_deadlines")
    op.drop_constraint(op.f("fk_incident_merged_into_id_incident"), "incident", type_="foreignkey")
    for name in ("escalations", "ever_overdue", "overdue_since", "assigned_at", "triage", "flag",
                 "reported_by", "rated_at", "merged_into_id"):
        op.drop_column("incident", name)
    op.add_column("incident", sa.Column("idempotency_key", sa.String(200), nullable=True))
    op.create_unique_constraint("uq_incident_idempotency_key", "incident", ["idempotency_key"])
