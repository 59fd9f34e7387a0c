"""What the database holds: versions and row counts per table."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..models import Base

# /healthz keys: plural names a person would look for.
TABLE_KEYS = {
    "area": "areas", "grid": "grids", "building": "buildings", "road": "roads",
    "road_segment": "road_segments", "worker": "workers", "worker_assignment": "worker_assignments",
    "category": "categories", "incident": "incidents", "incident_event": "incident_events",
    "camera": "cameras", "camera_coverage": "camera_coverage",
    "camera_blind_spot": "camera_blind_spots", "camera_dirty": "cameras_to_recompute", "position": "positions",
    "grid_plan": "grid_plans", "grid_plan_feature": "grid_plan_features", "app_user": "users",
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
    return {"postgis_version": postgis, "postgres_version": postgres, "migration": revision,
            "tables": counts}


def _has_table(session: Session, name: str) -> bool:
    return session.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one()
