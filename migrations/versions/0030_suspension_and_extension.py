"""suspension (挂起) and extension (延期): a handler asks, with a reason, and the dispatcher
approves or refuses; a suspended case's clock stops (incident.suspended_since) and its limits
move on by the time it stood still when it resumes; an extended case gets a new limit to
resolve, and the number of extensions is kept for the assessment; and the live stream's
events name the department leading a case (the wall's ticker says where a case went)

Revision ID: 0030
Revises: 0029
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def _people_named():
    """Migration 0021, whose stream functions these extend (a revision's file is not a module
    one imports by name)."""
    path = Path(__file__).with_name("0021_people_named.py")
    spec = importlib.util.spec_from_file_location("gridmap_migration_0021", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEPARTMENT = """'assignee_id', i.assignee_id,
            'department', (SELECT json_build_object('code', d.code, 'zh', d.name_zh, 'en', d.name_en)
                           FROM department d WHERE d.id = i.department_id),"""


def _stream_functions(with_department: bool) -> None:
    named = _people_named()
    fields = named._fields(True)
    if with_department:
        assert "'assignee_id', i.assignee_id," in fields
        fields = fields.replace("'assignee_id', i.assignee_id,", DEPARTMENT)
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
    _stream_functions(with_department=True)
    op.add_column("incident", sa.Column("suspended_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("extensions", sa.SmallInteger(), server_default="0", nullable=False))
    op.create_table(
        "incident_request",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("asked_by", sa.String(length=100), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_event_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_event_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN ('suspend', 'extend')", name=op.f("ck_incident_request_kind")),
        sa.CheckConstraint("reason IN ('resident', 'parts', 'weather', 'other')", name=op.f("ck_incident_request_reason")),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'dropped')",
                           name=op.f("ck_incident_request_status")),
        sa.CheckConstraint("(kind = 'extend') = (until IS NOT NULL)", name=op.f("ck_incident_request_until_for_extend")),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_request_incident_id_incident")),
        sa.ForeignKeyConstraint(["asked_event_id"], ["incident_event.id"],
                                name=op.f("fk_incident_request_asked_event_id_incident_event")),
        sa.ForeignKeyConstraint(["decided_event_id"], ["incident_event.id"],
                                name=op.f("fk_incident_request_decided_event_id_incident_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_request")),
    )
    op.create_index(op.f("ix_incident_request_incident_id"), "incident_request", ["incident_id"])
    op.create_index("uq_incident_request_pending", "incident_request", ["incident_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    _stream_functions(with_department=False)
    op.drop_table("incident_request")
    op.drop_column("incident", "extensions")
    op.drop_column("incident", "suspended_since")
