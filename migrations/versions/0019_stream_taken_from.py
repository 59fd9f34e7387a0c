"""an incident event names the worker it took the incident from

A reassignment or an escalation takes a task off a grid worker's phone. The event says whose
it was (`taken_from`, from the event's data), so the stream sends it to that worker too and
the phone can take the task away with a word why, live and on Last-Event-ID replay.

Revision ID: 0019
Revises: 0018
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def _fields(taken_from: bool) -> str:
    extra = "'taken_from', (e.data->>'from_assignee_id')::bigint," if taken_from else ""
    return f"""
        'actor', e.actor, 'from', e.from_status, 'to', e.to_status,
        'note', left(e.note, 500), {extra}
        'incident', json_build_object(
            'id', i.id, 'code', i.code, 'status', i.status, 'level', i.level,
            'category', i.category_code, 'severity', i.severity, 'channel', i.channel,
            'lon', round(ST_X(i.geom)::numeric, 7), 'lat', round(ST_Y(i.geom)::numeric, 7),
            'grid', g.code, 'community_id', i.community_id, 'street_id', i.street_id,
            'assignee_id', i.assignee_id, 'reported_at', i.reported_at,
            'due_respond_at', i.due_respond_at, 'due_resolve_at', i.due_resolve_at,
            'overdue', i.overdue_since IS NOT NULL, 'flag', i.flag, 'triage', i.triage,
            'duplicate_of_id', i.duplicate_of_id, 'description', left(i.description, 200))"""


def _functions(taken_from: bool) -> None:
    fields = _fields(taken_from)
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
    _functions(taken_from=True)


def downgrade() -> None:
    _functions(taken_from=False)
