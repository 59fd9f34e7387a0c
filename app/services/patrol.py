"""Patrol coverage (巡查覆盖): for each grid and a period, how much of it its full-time worker
actually walked — the share of the grid's road length within 20 m of their route, the
buildings passed within 30 m, time spent inside and outside the grid, and distance walked.
One query; PostGIS measures in the city's UTM zone.

Routes are the good fixes (no GPS jumps) joined in time order, broken where the phone fell
silent longer than the gap; a fix's time counts until the next fix, unless that is a gap.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..config import PositionRules
from ..geo.crs import utm_epsg
from .scope import Scope

ROAD_REACH_M = 20.0        # a road is patrolled where the route passes within this
BUILDING_REACH_M = 30.0    # a building is passed when the route comes this close


@dataclass(frozen=True)
class Row:
    grid: str
    workers: list[str]
    road_m: float
    covered_road_m: float
    road_coverage: float | None
    buildings: int
    buildings_passed: int
    inside_s: float
    outside_s: float
    walked_m: float

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def city_utm(session: Session) -> int:
    lon, lat = session.execute(text(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Union(geom)) AS c FROM area "
        "WHERE parent_id IS NULL) s")).one()
    return utm_epsg(lon or 0.0, lat or 0.0)


def coverage(session: Session, start: datetime, end: datetime, scope: Scope, rules: PositionRules,
             grids: list[str] | None = None) -> list[Row]:
    condition, params = scope.condition(session, "g")
    rows = session.execute(text(f"""
        WITH grids AS (
            SELECT g.id, g.code, g.geom AS geom4326, ST_Transform(g.geom, :utm) AS geom
            FROM grid g WHERE g.valid_to IS NULL AND ({condition})
              AND (CAST(:codes AS text[]) IS NULL OR g.code = ANY(CAST(:codes AS text[])))),
        holders AS (
            SELECT DISTINCT a.grid_id, a.worker_id, w.code
            FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
            WHERE a.grid_id IN (SELECT id FROM grids) AND w.role = 'full_time'
              AND a.valid_from < :end AND (a.valid_to IS NULL OR a.valid_to > :start)),
        fixes AS (
            SELECT p.worker_id, p.fixed_at, ST_Transform(p.geom, :utm) AS geom,
                   p.fixed_at - lag(p.fixed_at) OVER w AS since_last,
                   lead(p.fixed_at) OVER w - p.fixed_at AS until_next
            FROM position p
            WHERE p.worker_id IN (SELECT worker_id FROM holders)
              AND p.fixed_at >= :start AND p.fixed_at < :end AND p.flag IS NULL
            WINDOW w AS (PARTITION BY p.worker_id ORDER BY p.fixed_at)),
        pieces AS (
            SELECT worker_id, fixed_at, geom, until_next,
                   sum(CASE WHEN since_last IS NULL OR since_last > :gap THEN 1 ELSE 0 END)
                       OVER (PARTITION BY worker_id ORDER BY fixed_at) AS piece
            FROM fixes),
        routes AS (
            SELECT worker_id, ST_Collect(line) AS lines, sum(ST_Length(line)) AS walked_m
            FROM (SELECT worker_id, ST_MakeLine(geom ORDER BY fixed_at) AS line FROM pieces
                  GROUP BY worker_id, piece HAVING count(*) > 1) l
            GROUP BY worker_id),
        walked AS (
            SELECT h.grid_id, ST_Collect(r.lines) AS lines, sum(r.walked_m) AS walked_m
            FROM holders h JOIN routes r ON r.worker_id = h.worker_id GROUP BY h.grid_id),
        time_spent AS (
            SELECT h.grid_id,
                   coalesce(sum(extract(epoch FROM p.until_next))
                            FILTER (WHERE ST_Intersects(g.geom, p.geom)), 0) AS inside_s,
                   coalesce(sum(extract(epoch FROM p.until_next))
                            FILTER (WHERE NOT ST_Intersects(g.geom, p.geom)), 0) AS outside_s
            FROM holders h JOIN grids g ON g.id = h.grid_id JOIN pieces p ON p.worker_id = h.worker_id
            WHERE p.until_next <= :gap
            GROUP BY h.grid_id),
        roads AS (
            SELECT g.id AS grid_id,
                   ST_Intersection(ST_Transform(ST_Collect(r.geom), :utm), g.geom) AS lines
            FROM grids g JOIN road r ON r.geom && g.geom4326 AND ST_Intersects(r.geom, g.geom4326)
            GROUP BY g.id, g.geom),
        passed AS (
            SELECT g.id AS grid_id, count(*) AS buildings,
                   count(*) FILTER (WHERE w.lines IS NOT NULL AND
                                    ST_DWithin(ST_Transform(b.geom, :utm), w.lines, :building_m)) AS passed
            FROM grids g JOIN building b ON b.geom && g.geom4326
                 AND ST_Intersects(g.geom4326, ST_PointOnSurface(b.geom))
            LEFT JOIN walked w ON w.grid_id = g.id
            GROUP BY g.id)
        SELECT g.code,
               (SELECT array_agg(h.code ORDER BY h.code) FROM holders h WHERE h.grid_id = g.id) AS workers,
               coalesce(ST_Length(rd.lines), 0) AS road_m,
               coalesce(ST_Length(ST_Intersection(rd.lines, ST_Buffer(w.lines, :road_m))), 0) AS covered_m,
               coalesce(pb.buildings, 0) AS buildings, coalesce(pb.passed, 0) AS passed,
               coalesce(ts.inside_s, 0) AS inside_s, coalesce(ts.outside_s, 0) AS outside_s,
               coalesce(w.walked_m, 0) AS walked_m
        FROM grids g
        LEFT JOIN roads rd ON rd.grid_id = g.id
        LEFT JOIN walked w ON w.grid_id = g.id
        LEFT JOIN time_spent ts ON ts.grid_id = g.id
        LEFT JOIN passed pb ON pb.grid_id = g.id
        ORDER BY g.code"""),
        {**params, "utm": city_utm(session), "start": start, "end": end, "codes": grids,
         "gap": timedelta(minutes=rules.gap_minutes), "road_m": ROAD_REACH_M,
         "building_m": BUILDING_REACH_M}).all()
    return [Row(code, list(workers or []), round(road_m, 1), round(covered_m, 1),
                round(covered_m / road_m, 4) if road_m else None, buildings, passed,
                round(float(inside), 1), round(float(outside), 1), round(walked, 1))
            for code, workers, road_m, covered_m, buildings, passed, inside, outside, walked in rows]
