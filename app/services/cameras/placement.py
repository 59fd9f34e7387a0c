"""Placement suggestions for an area: PostGIS gathers the area's blind spots, candidate positions
(road vertices — junctions among them — and building corners near a blind spot) and the
buildings around; app/geo/placement.py picks the views greedily."""
from __future__ import annotations

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo import placement
from ...geo.crs import MetricFrame
from ..accounts.scope import Scope
from ..city.frame import city_utm

MAX_CANDIDATES = 400        # spread over the area; each is tried at 8 bearings
CORNER_REACH_M = 15.0       # a building corner this close to a blind spot is a candidate
SNAP_M = 3.0                # candidates closer than this are one


class UnknownArea(LookupError):
    pass


def suggest(session: Session, area: str, k: int, scope: Scope, fov: float = 90.0, range_m: float = 40.0) -> dict:
    """GeoJSON: the k suggested cameras (point, bearing, gain) and what each would see."""
    utm = city_utm(session)
    frame = MetricFrame(utm)
    condition, params = scope.condition(session, "t")
    found = session.execute(text(f"""
        WITH a AS (SELECT t.geom FROM grid t WHERE t.code = :area AND t.valid_to IS NULL AND {condition}
                   UNION ALL SELECT t.geom FROM area t WHERE t.code = :area AND {condition} LIMIT 1)
        SELECT (SELECT array_agg(ST_AsBinary(ST_Intersection(s.geom, a.geom))) FROM camera_blind_spot s
                 WHERE s.geom && a.geom AND ST_Intersects(s.geom, a.geom)),
               (SELECT array_agg(DISTINCT ST_AsBinary(d.geom)) FROM road r CROSS JOIN LATERAL ST_DumpPoints(r.geom) d
                 WHERE r.geom && a.geom AND ST_DWithin(a.geom, d.geom, 1e-5)),   -- on its edge too
               (SELECT array_agg(ST_AsBinary(b.geom)) FROM building b WHERE b.geom && ST_Expand(a.geom, 0.001)),
               (SELECT array_agg(ST_AsBinary(d.geom)) FROM building b
                  CROSS JOIN LATERAL ST_DumpPoints(ST_Boundary(b.geom)) d
                 WHERE b.geom && a.geom AND ST_Intersects(a.geom, ST_PointOnSurface(b.geom)))
        FROM a"""), {**params, "area": area}).one_or_none()
    if found is None:
        raise UnknownArea(area)
    blind_wkb, vertex_wkb, building_wkb, corner_wkb = found

    def metric(wkbs):
        return frame.to_metric(shapely.from_wkb(np.array(wkbs or [], dtype=object)))

    blind_parts = [g for g in metric(blind_wkb) if not g.is_empty]
    blind = shapely.union_all(blind_parts) if blind_parts else None
    buildings = list(metric(building_wkb))
    points = np.concatenate([shapely.get_coordinates(metric(vertex_wkb)).reshape(-1, 2),
                             _near(shapely.get_coordinates(metric(corner_wkb)).reshape(-1, 2), blind_parts)])
    candidates = _spread(points)
    picks = placement.suggest(blind, candidates, buildings, k, fov, range_m)
    features = []
    for rank, p in enumerate(picks, start=1):
        at = frame.to_wgs84(shapely.Point(p.x, p.y))
        props = {"rank": rank, "bearing": p.bearing, "fov": p.fov, "range_m": p.range_m, "gain_m": p.gain_m}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(at),
                         "properties": {**props, "kind": "camera"}})
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(frame.to_wgs84(p.view)),
                         "properties": {**props, "kind": "view"}})
    return {"type": "FeatureCollection", "features": features, "properties": {
        "area": area, "k": k, "candidates": len(candidates),
        "blind_m": round(blind.length, 1) if blind is not None else 0.0,
        "gain_m": round(sum(p.gain_m for p in picks), 1)}}


def _near(points: np.ndarray, blind_parts: list) -> np.ndarray:
    if not len(points) or not blind_parts:
        return np.empty((0, 2))
    hits = shapely.STRtree(blind_parts).query(shapely.points(points), predicate="dwithin", distance=CORNER_REACH_M)[0]
    return points[np.unique(hits)]


def _spread(points: np.ndarray) -> np.ndarray:
    """One candidate per SNAP_M cell, at most MAX_CANDIDATES, evenly thinned."""
    if not len(points):
        return points
    _, first = np.unique(np.floor(points / SNAP_M), axis=0, return_index=True)
    unique = points[np.sort(first)]
    if len(unique) > MAX_CANDIDATES:
        unique = unique[np.linspace(0, len(unique) - 1, MAX_CANDIDATES).astype(int)]
    return unique
