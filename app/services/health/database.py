"""What the database holds: versions and row counts per table."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import Base
from ..live.stream import SEQUENCER_LOCK

# /healthz keys: plural names a person would look for.
TABLE_KEYS = {
    "area": "areas", "grid": "grids", "building": "buildings", "road": "roads",
    "road_segment": "road_segments", "worker": "workers", "worker_assignment": "worker_assignments",
    "category": "categories", "incident": "incidents", "incident_event": "incident_events",
    "camera": "cameras", "camera_coverage": "camera_coverage",
    "camera_blind_spot": "camera_blind_spots", "camera_dirty": "cameras_to_recompute", "position": "positions",
    "grid_plan": "grid_plans", "grid_plan_feature": "grid_plan_features", "app_user": "users",
    "stream_position": "stream_positions", "stream_unsequenced": "stream_events_waiting",
    "outbox_message": "messages_to_reporters",
}


def database_status(session: Session) -> dict:
    postgis = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
    postgres = session.execute(text("SHOW server_version")).scalar_one()
    revision = session.execute(text(
        "SELECT version_num FROM alembic_version")).scalar() if _has_table(session, "alembic_version") else None
    counts = {}
    for table in sorted(Base.metadata.tables):
        if _has_table(session, table):
            counts[TABLE_KEYS.get(table, table)] = session.execute(
                text(f'SELECT count(*) FROM "{table}"')).scalar_one()
    # events that wait while no hub numbers them reach no live stream (migration 0015)
    stream = {"sequencer": _sequencer_running(session),
              "events_waiting": counts.get(TABLE_KEYS["stream_unsequenced"])}
    return {"postgis_version": postgis, "postgres_version": postgres, "migration": revision,
            "tables": counts, "stream": stream}


def _sequencer_running(session: Session) -> bool:
    """Whether a stream hub holds the sequencer's lock in this database."""
    return session.execute(text("""
        SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                       WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()
                         AND (l.classid::bigint << 32 | l.objid::bigint) = :key AND l.objsubid = 1)"""),
        {"key": SEQUENCER_LOCK}).scalar_one()


def _has_table(session: Session, name: str) -> bool:
    return session.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one()
