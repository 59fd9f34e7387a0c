"""Locating responsibility (定责): which grid, community and street a point falls in, and who
answers for it. PostGIS answers with one indexed point-in-polygon query."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

LEVEL_ORDER = ("grid", "community", "street")


@dataclass(frozen=True)
class Place:
    in_city: bool
    grid_id: int | None = None
    grid_code: str | None = None
    community_id: int | None = None
    street_id: int | None = None
    worker_id: int | None = None      # the grid's current full-time worker


# The current full-time worker of a grid: the longest-serving if a data error gave it two.
GRID_WORKER = """
    SELECT a.worker_id FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
    WHERE a.grid_id = {grid} AND a.valid_to IS NULL AND w.role = 'full_time' AND w.active
    ORDER BY a.valid_from, a.id LIMIT 1"""


# A point in a grid is in the city, and in the grid's community and street: the area
# polygons are only tested for a point that falls in no grid (CASE evaluates lazily).
LOCATE_SQL = f"""
    WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
    SELECT CASE WHEN g.id IS NOT NULL THEN true
                ELSE EXISTS (SELECT 1 FROM area a WHERE a.parent_id IS NULL
                             AND a.geom && p.geom AND ST_Intersects(a.geom, p.geom)) END AS in_city,
           g.id, g.code, g.community_id, c.parent_id,
           ({GRID_WORKER.format(grid="g.id")}) AS worker_id,
           CASE WHEN g.id IS NULL THEN
               (SELECT s.id FROM area s WHERE s.level = 'street'
                AND s.geom && p.geom AND ST_Intersects(s.geom, p.geom) LIMIT 1) END AS street_id,
           CASE WHEN g.id IS NULL THEN
               (SELECT s.id FROM area s WHERE s.level = 'community'
                AND s.geom && p.geom AND ST_Intersects(s.geom, p.geom) LIMIT 1) END AS community_id
    FROM p
    LEFT JOIN grid g ON g.valid_to IS NULL AND g.geom && p.geom AND ST_Intersects(g.geom, p.geom)
    LEFT JOIN area c ON c.id = g.community_id
    ORDER BY g.id LIMIT 1"""
_LOCATE = text(LOCATE_SQL)


def locate(session: Session, lon: float, lat: float) -> Place:
    return place_of(session.execute(_LOCATE, {"lon": lon, "lat": lat}).one())


def place_of(row) -> Place:
    """A Place from the first eight columns of a LOCATE_SQL row."""
    in_city, grid_id, grid_code, grid_community, grid_street, worker_id, street_id, community_id = row[:8]
    if grid_id is None:
        return Place(in_city, community_id=community_id, street_id=street_id)
    return Place(in_city, grid_id, grid_code, grid_community, grid_street, worker_id)


def grid_place(session: Session, grid_code: str) -> Place | None:
    row = session.execute(text(f"""
        SELECT g.id, g.code, g.community_id, c.parent_id, ({GRID_WORKER.format(grid="g.id")})
        FROM grid g JOIN area c ON c.id = g.community_id
        WHERE g.code = :code AND g.valid_to IS NULL"""), {"code": grid_code}).one_or_none()
    return Place(True, *row) if row else None


def level_above(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def grids_held(session: Session, worker_id: int | None) -> list[str]:
    """The codes of the grids a worker currently holds."""
    if worker_id is None:
        return []
    return list(session.execute(text("""
        SELECT g.code FROM worker_assignment a JOIN grid g ON g.id = a.grid_id
        WHERE a.worker_id = :worker AND a.valid_to IS NULL AND g.valid_to IS NULL
        ORDER BY g.code"""), {"worker": worker_id}).scalars())
