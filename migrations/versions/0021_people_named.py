"""people by their names: an account's display name, every event's actor named, system notes
said in both languages, and the stream's overdue by the lateness rule

The wall's ticker and the card's history read "张军 受理了 …", not "user:operator accepted".
`gridmap_actor(actor)` names the actor of an event from the one place that knows it: a worker
by their name, an account by its display name (or its worker's name; an account with neither
by its role), the clock and the intake as kinds the pages say in their language. The stream carries it with the category's
and the grid's names, so that a ticker line needs no request.

A system step's note was English text ("located by position"); it is now said in both
languages in the event's data (`said`: {"zh", "en"}, written from app/messages.py). The log is
append-only: the notes already written stay as they were, and the history says them in the
reader's language (services/incidents/views.py).

The stream said `overdue` when the clock had marked an incident and escalation had not since
cleared the mark; it now says what lateness.py says: late and still open.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ACTOR = """
    CREATE OR REPLACE FUNCTION gridmap_actor(actor text) RETURNS json
    LANGUAGE sql STABLE AS $$
        SELECT CASE
            WHEN actor LIKE 'user:%' THEN coalesce((
                SELECT CASE WHEN coalesce(u.display_name, w.name_zh) IS NULL
                            -- an account without a name: its role, said in the reader's language
                            THEN json_build_object('kind', 'role', 'role', u.role)
                            ELSE json_build_object('kind', 'person',
                                                   'zh', coalesce(u.display_name, w.name_zh),
                                                   'en', coalesce(u.display_name, w.name_en)) END
                FROM app_user u LEFT JOIN worker w ON w.id = u.worker_id
                WHERE u.username = substr(actor, 6)), json_build_object('kind', 'account'))
            WHEN actor ~ '^worker:[0-9]+$' THEN coalesce((
                SELECT json_build_object('kind', 'person', 'zh', w.name_zh, 'en', w.name_en)
                FROM worker w WHERE w.id = substr(actor, 8)::int), json_build_object('kind', 'account'))
            WHEN actor LIKE 'system%' THEN json_build_object('kind', 'system')
            WHEN actor LIKE 'operator:%' THEN json_build_object('kind', 'desk')
            ELSE json_build_object('kind', 'resident')
        END
    $$"""


def _fields(named: bool) -> str:
    overdue = ("i.status IN ('reported', 'assigned', 'accepted', 'in_progress', 'reopened', 'escalated')"
               " AND coalesce(i.ever_overdue OR i.responded_at > i.due_respond_at"
               " OR i.resolved_at > i.due_resolve_at"
               " OR (i.responded_at IS NULL AND i.due_respond_at < now())"
               " OR (i.resolved_at IS NULL AND i.due_resolve_at < now()), false)"
               if named else "i.overdue_since IS NOT NULL")
    extra = """'by', gridmap_actor(e.actor), 'said', e.data->'said',""" if named else ""
    names = """'category_name', (SELECT json_build_object('zh', c.name_zh, 'en', c.name_en)
                                 FROM category c WHERE c.code = i.category_code),
            'grid_name', CASE WHEN g.id IS NOT NULL THEN json_build_object('zh', g.name_zh, 'en', g.name_en) END,
            'assignee', (SELECT json_build_object('id', w.id, 'code', w.code, 'zh', w.name_zh, 'en', w.name_en)
                         FROM worker w WHERE w.id = i.assignee_id),""" if named else ""
    return f"""
        'actor', e.actor, 'from', e.from_status, 'to', e.to_status,
        'note', left(e.note, 500), 'taken_from', (e.data->>'from_assignee_id')::bigint, {extra}
        'incident', json_build_object(
            'id', i.id, 'code', i.code, 'status', i.status, 'level', i.level,
            'category', i.category_code, 'severity', i.severity, 'channel', i.channel, {names}
            'lon', round(ST_X(i.geom)::numeric, 7), 'lat', round(ST_Y(i.geom)::numeric, 7),
            'grid', g.code, 'community_id', i.community_id, 'street_id', i.street_id,
            'assignee_id', i.assignee_id, 'reported_at', i.reported_at,
            'due_respond_at', i.due_respond_at, 'due_resolve_at', i.due_resolve_at,
            'overdue', {overdue}, 'flag', i.flag, 'triage', i.triage,
            'duplicate_of_id', i.duplicate_of_id, 'description', left(i.description, 200))"""


def _functions(named: bool) -> None:
    fields = _fields(named)
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_stream_body(e incident_event) RETURNS text
        LANGUAGE plpgsql STABLE AS $$
        BEGIN
            RETURN (SELECT json_build_object(
                'type', 'incident', 'event_id', e.id, 'at', e.at, 'action', e.action, {fields})::text
                FROM incident i LEFT JOIN grid g ON g.id = i.grid_id
                WHERE i.id = e.incident_id);
        END $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION gridmap_stream_event(e incident_event, seq bigint) RETURNS json
        LANGUAGE sql STABLE AS $$
            SELECT json_build_object(
                'type', 'incident', 'id', seq, 'event_id', e.id, 'at', e.at, 'action', e.action, {fields})
            FROM incident i LEFT JOIN grid g ON g.id = i.grid_id
            WHERE i.id = e.incident_id
        $$""")


def upgrade() -> None:
    op.add_column("app_user", sa.Column("display_name", sa.String(100), nullable=True))
    op.execute(ACTOR)
    _functions(named=True)


def downgrade() -> None:
    _functions(named=False)
    op.execute("DROP FUNCTION gridmap_actor(text)")
    op.drop_column("app_user", "display_name")
