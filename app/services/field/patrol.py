"""Patrol coverage (巡查覆盖): for each grid and a period, how much of it its full-time worker
actually walked — the share of the grid's road length within 20 m of their route, the
buildings passed within 30 m, time spent inside and outside the grid, and distance walked;
and for each street chief's road segment, the share of it within 20 m of the chief's route.

Routes are the good fixes (no GPS jumps) joined in time order, broken where the phone fell
silent longer than the gap; a fix's time counts until the next fix, unless that is a gap.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import PositionRules
from ...geo import patrol as geo_patrol
from ..accounts.scope import Scope
from ..city.frame import city_utm

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


def coverage(session: Session, start: datetime, end: datetime, scope: Scope, rules: PositionRules,
             grids: list[str] | None = None) -> list[Row]:
    """PostGIS gathers each grid, its roads and buildings, its workers and their fixes, all in
    the city's UTM zone; the measuring is app/geo/patrol.py's."""
    utm = city_utm(session)
    condition, params = scope.condition(session, "g")
    grid_rows = session.execute(text(f"""
        WITH grids AS (
            SELECT g.id, g.code, g.geom FROM grid g WHERE g.valid_to IS NULL AND ({condition})
              AND (CAST(:codes AS text[]) IS NULL OR g.code = ANY(CAST(:codes AS text[]))))
        SELECT g.code, ST_AsBinary(ST_Transform(g.geom, :utm)),
               (SELECT ST_AsBinary(ST_Intersection(ST_Transform(ST_Collect(r.geom), :utm),
                                                   ST_Transform(g.geom, :utm)))
                  FROM road r WHERE r.geom && g.geom AND ST_Intersects(r.geom, g.geom)),
               (SELECT array_agg(ST_AsBinary(ST_Transform(b.geom, :utm))) FROM building b
                 WHERE b.geom && g.geom AND ST_Intersects(g.geom, ST_PointOnSurface(b.geom))),
               (SELECT array_agg(DISTINCT a.worker_id) FROM worker_assignment a
                  JOIN worker w ON w.id = a.worker_id
                 WHERE a.grid_id = g.id AND w.role = 'full_time'
                   AND a.valid_from < :end AND (a.valid_to IS NULL OR a.valid_to > :start))
        FROM grids g ORDER BY g.code"""),
        {**params, "utm": utm, "codes": grids, "start": start, "end": end}).all()
    holders = sorted({w for row in grid_rows for w in (row[4] or [])})
    codes, routes = _routes_of(session, utm, holders, start, end, rules)
    found = []
    for code, area_wkb, roads_wkb, building_wkbs, worker_ids in grid_rows:
        area = shapely.from_wkb(area_wkb)
        shapely.prepare(area)
        mine = [routes[w] for w in (worker_ids or []) if w in routes]
        steps = np.concatenate([r.steps for r in mine]) if mine else np.array([], dtype=object)
        road_m, covered_m = geo_patrol.covered_share(shapely.from_wkb(roads_wkb) if roads_wkb else None,
                                                     steps, ROAD_REACH_M)
        buildings = shapely.from_wkb(np.array(building_wkbs or [], dtype=object))
        inside = outside = 0.0
        for r in mine:
            i, o = geo_patrol.time_inside(area, r)
            inside, outside = inside + i, outside + o
        found.append(Row(code, sorted(codes[w] for w in (worker_ids or [])), round(road_m, 1),
                         round(covered_m, 1), round(covered_m / road_m, 4) if road_m else None,
                         len(buildings), geo_patrol.passed(buildings, steps, BUILDING_REACH_M),
                         round(inside, 1), round(outside, 1), round(sum(r.walked_m for r in mine), 1)))
    return found


@dataclass(frozen=True)
class SegmentRow:
    segment: str
    name_zh: str
    name_en: str
    chiefs: list[str]
    road_m: float
    covered_road_m: float
    road_coverage: float | None
    walked_m: float

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def segment_coverage(session: Session, start: datetime, end: datetime, scope: Scope,
                     rules: PositionRules, segments: list[str] | None = None) -> list[SegmentRow]:
    """Street chiefs (街长): the share of each road segment within reach of its chief's route."""
    utm = city_utm(session)
    condition, params = scope.condition(session, "s")
    rows = session.execute(text(f"""
        SELECT s.code, s.name_zh, s.name_en, ST_AsBinary(ST_Transform(s.geom, :utm)),
               (SELECT array_agg(DISTINCT a.worker_id) FROM worker_assignment a
                 WHERE a.road_segment_id = s.id
                   AND a.valid_from < :end AND (a.valid_to IS NULL OR a.valid_to > :start))
        FROM road_segment s
        WHERE ({condition}) AND (CAST(:codes AS text[]) IS NULL OR s.code = ANY(CAST(:codes AS text[])))
        ORDER BY s.code"""), {**params, "utm": utm, "codes": segments, "start": start, "end": end}).all()
    chiefs = sorted({w for row in rows for w in (row[4] or [])})
    codes, routes = _routes_of(session, utm, chiefs, start, end, rules)
    found = []
    for code, name_zh, name_en, line_wkb, worker_ids in rows:
        mine = [routes[w] for w in (worker_ids or []) if w in routes]
        steps = np.concatenate([r.steps for r in mine]) if mine else np.array([], dtype=object)
        road_m, covered_m = geo_patrol.covered_share(shapely.from_wkb(line_wkb), steps, ROAD_REACH_M)
        found.append(SegmentRow(code, name_zh, name_en, sorted(codes[w] for w in (worker_ids or [])),
                                round(road_m, 1), round(covered_m, 1),
                                round(covered_m / road_m, 4) if road_m else None,
                                round(sum(r.walked_m for r in mine), 1)))
    return found


def _routes_of(session: Session, utm: int, worker_ids: list[int], start: datetime, end: datetime,
               rules: PositionRules) -> tuple[dict[int, str], dict[int, geo_patrol.Route]]:
    """The workers' codes, and their routes over the period in the city's UTM zone."""
    codes = dict(session.execute(text("SELECT id, code FROM worker WHERE id = ANY(:ids)"),
                                 {"ids": worker_ids}).all())
    fixes = session.execute(text("""
        SELECT worker_id, extract(epoch FROM fixed_at), ST_X(g), ST_Y(g)
        FROM (SELECT worker_id, fixed_at, ST_Transform(geom, :utm) AS g FROM position
              WHERE worker_id = ANY(:ids) AND fixed_at >= :start AND fixed_at < :end
                AND flag IS NULL) p
        ORDER BY worker_id, fixed_at"""), {"utm": utm, "ids": worker_ids, "start": start, "end": end}).all()
    return codes, _routes(fixes, rules.gap_minutes * 60)


def _routes(fixes, gap_s: float) -> dict[int, geo_patrol.Route]:
    """Each worker's route from their fixes (ordered by worker, then time)."""
    routes = {}
    if not fixes:
        return routes
    ids = np.array([f[0] for f in fixes])
    t = np.array([float(f[1]) for f in fixes])
    x, y = np.array([f[2] for f in fixes]), np.array([f[3] for f in fixes])
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for a, b in zip(np.concatenate([[0], bounds]), np.concatenate([bounds, [len(ids)]])):
        routes[int(ids[a])] = geo_patrol.route(t[a:b], x[a:b], y[a:b], gap_s)
    return routes
