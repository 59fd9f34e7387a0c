"""Places a grid worker names in words: a building by its address or name, and what stands
nearest a point (the building at whose door they report, else the street they are on).

A phone shows these instead of coordinates. A worker searches the whole community their grids
lie in — a neighbour's building is still "where is Snellmaninkatu 12?" — and anyone else their
own scope. Addresses are the city's, searched in PostGIS: no internet geocoder."""
from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope

NEAR_BUILDING_M = 40.0      # a report this close to a building is "at" it
NEAR_ROAD_M = 150.0         # farther from any named road, the place has no name
MAX_QUERY = 100


def _area(session: Session, scope: Scope) -> tuple[str, dict]:
    """The buildings a user may look up, as a SQL condition on `b`."""
    if scope.worker_id is not None:
        return ("""b.grid_id IN (
            SELECT g.id FROM grid g WHERE g.valid_to IS NULL AND g.community_id IN (
                SELECT h.community_id FROM worker_assignment a JOIN grid h ON h.id = a.grid_id
                WHERE a.worker_id = :worker AND a.valid_to IS NULL AND h.valid_to IS NULL))""",
                {"worker": scope.worker_id})
    return scope.condition(session, "b")


_FEATURE = """
    SELECT json_build_object(
        'type', 'Feature', 'id', b.id,
        'geometry', ST_AsGeoJSON(b.geom, 7)::json,
        'properties', json_build_object(
            'address', b.address, 'name', b.name, 'households', b.households,
            'grid', g.code, 'grid_name', json_build_object('zh', g.name_zh, 'en', g.name_en),
            'community', json_build_object('zh', c.name_zh, 'en', c.name_en),
            'centre', json_build_array(round(ST_X(ST_PointOnSurface(b.geom))::numeric, 7),
                                       round(ST_Y(ST_PointOnSurface(b.geom))::numeric, 7))
            {extra}))::text
    FROM building b
    LEFT JOIN grid g ON g.id = b.grid_id
    LEFT JOIN area c ON c.id = g.community_id"""


def _streets_area(session: Session, scope: Scope) -> tuple[str, dict]:
    """The streets a user may look up, as a SQL condition on `r`: for a worker, those that
    run through their community."""
    if scope.worker_id is not None:
        return ("""ST_Intersects(r.geom, (
            SELECT ST_Union(c.geom) FROM area c WHERE c.id IN (
                SELECT h.community_id FROM worker_assignment a JOIN grid h ON h.id = a.grid_id
                WHERE a.worker_id = :worker AND a.valid_to IS NULL AND h.valid_to IS NULL)))""",
                {"worker": scope.worker_id})
    return scope.condition(session, "r")


def _pattern(words: str) -> str:
    """LIKE's wildcards in the words are words; spaces are left out on both sides, so
    "Snellmaninkatu10" finds "Snellmaninkatu 10" and "33 b" finds "33b"."""
    compact = "".join(words.split())
    return "%" + compact.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_COMPACT = "regexp_replace({column}, '\\s', '', 'g')"


def search(session: Session, words: str, scope: Scope, limit: int = 30) -> list[dict]:
    """Streets whose name holds `words`, then buildings whose address or name does (case and
    spacing aside), addresses that begin with them first."""
    words = " ".join(words.split())[:MAX_QUERY]
    if not words:
        return []
    pattern = _pattern(words)
    address, name = _COMPACT.format(column="b.address"), _COMPACT.format(column="b.name")
    condition, params = _streets_area(session, scope)
    streets = session.execute(text(f"""
        SELECT json_build_object(
            'type', 'Feature', 'id', 'street:' || r.name,
            'geometry', ST_AsGeoJSON(ST_LineMerge(ST_Collect(r.geom)), 7)::json,
            'properties', json_build_object('kind', 'street', 'name', r.name))::text
        FROM road r
        WHERE r.name IS NOT NULL AND {_COMPACT.format(column="r.name")} ILIKE :pattern AND ({condition})
        GROUP BY r.name ORDER BY r.name LIMIT 5"""), {**params, "pattern": pattern}).scalars()
    condition, params = _area(session, scope)
    buildings = session.execute(text(_FEATURE.format(extra=", 'kind', 'building'") + f"""
        WHERE ({condition}) AND ({address} ILIKE :pattern OR {name} ILIKE :pattern)
        ORDER BY ({address} ILIKE :start) DESC, b.address, b.id
        LIMIT :limit"""), {**params, "pattern": pattern, "start": pattern[1:], "limit": limit}).scalars()
    return [json.loads(row) for row in [*streets, *buildings]][:limit]


def nearest(session: Session, lon: float, lat: float) -> dict:
    """What a point is called: {"building": feature, "distance_m"} when a building with an
    address or name stands within NEAR_BUILDING_M, else {"road": name, "distance_m"} for the
    nearest named road within NEAR_ROAD_M, else {}. Addresses are no secret, so no scope."""
    point = {"lon": lon, "lat": lat, "building_m": NEAR_BUILDING_M, "road_m": NEAR_ROAD_M}
    row = session.execute(text(_FEATURE.format(
        extra=", 'distance_m', round(ST_Distance(b.geom::geography, p.geog)::numeric, 1)") + """
        CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS geog) p
        WHERE (b.address IS NOT NULL OR b.name IS NOT NULL)
          AND ST_DWithin(b.geom::geography, p.geog, :building_m)
        ORDER BY b.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
        LIMIT 1"""), point).scalar()
    if row is not None:
        feature = json.loads(row)
        return {"building": feature, "distance_m": feature["properties"].pop("distance_m")}
    road = session.execute(text("""
        SELECT r.name, round(ST_Distance(r.geom::geography, p.geog)::numeric, 1)
        FROM road r CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS geog) p
        WHERE r.name IS NOT NULL AND ST_DWithin(r.geom::geography, p.geog, :road_m)
        ORDER BY r.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
        LIMIT 1"""), point).first()
    if road is not None:
        return {"road": road[0], "distance_m": float(road[1])}
    return {}


def grids_named(session: Session, worker_id: int | None) -> list[dict]:
    """The grids a worker holds now, with their names and community's: a phone's heading says
    和平社区第1网格, not HEL-01-01-01-01."""
    if worker_id is None:
        return []
    rows = session.execute(text("""
        SELECT g.code, g.name_zh, g.name_en, c.name_zh, c.name_en
        FROM worker_assignment a JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
        LEFT JOIN area c ON c.id = g.community_id
        WHERE a.worker_id = :worker AND a.valid_to IS NULL
        ORDER BY g.code"""), {"worker": worker_id}).all()
    return [{"code": code, "name": {"zh": zh, "en": en}, "community": {"zh": czh, "en": cen}}
            for code, zh, en, czh, cen in rows]
