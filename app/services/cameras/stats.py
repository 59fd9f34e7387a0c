"""How well each grid, community or street is watched: the share of its public (non-building)
area that an online camera sees, the share of its road length, its cameras and how many are
offline — and the blind spots, the stretches of road no camera sees, longest first."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope

LEVELS = ("grid", "community", "street")


@dataclass(frozen=True)
class Row:
    level: str
    code: str
    name_zh: str
    name_en: str
    area_m2: float
    public_m2: float
    seen_public_m2: float
    public_coverage: float | None
    road_m: float
    seen_road_m: float
    road_coverage: float | None
    cameras: int
    offline: int

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def coverage_by_area(session: Session, level: str, scope: Scope, codes: list[str] | None = None) -> list[Row]:
    if level not in LEVELS:
        raise ValueError(f"level is one of {', '.join(LEVELS)}")
    units = ("SELECT t.code, t.name_zh, t.name_en, t.geom FROM grid t WHERE t.valid_to IS NULL"
             if level == "grid" else
             f"SELECT t.code, t.name_zh, t.name_en, t.geom FROM area t WHERE t.level = '{level}'")
    condition, params = scope.condition(session, "t")
    rows = session.execute(text(f"""
        WITH units AS ({units} AND ({condition})
                        AND (CAST(:codes AS text[]) IS NULL OR t.code = ANY(CAST(:codes AS text[]))))
        SELECT u.code, u.name_zh, u.name_en, ST_Area(u.geom::geography) AS area_m2,
               coalesce(ST_Area(bu.g::geography), 0) AS building_m2,
               coalesce(ST_Area(ST_Difference(sn.g, coalesce(bu.g, 'POLYGON EMPTY'::geometry))::geography), 0) AS seen_public_m2,
               coalesce(ST_Length(rd.g::geography), 0) AS road_m,
               coalesce(ST_Length(ST_Intersection(rd.g, sn.g)::geography), 0) AS seen_road_m,
               cams.total, cams.offline
        FROM units u
        LEFT JOIN LATERAL (
            SELECT ST_CollectionExtract(ST_Union(ST_Intersection(b.geom, u.geom)), 3) AS g FROM building b
            WHERE b.geom && u.geom AND ST_Intersects(b.geom, u.geom)) bu ON TRUE
        LEFT JOIN LATERAL (
            SELECT ST_CollectionExtract(ST_Union(ST_Intersection(cc.geom, u.geom)), 3) AS g FROM camera_coverage cc
            JOIN camera c ON c.id = cc.camera_id AND c.status = 'online'
            WHERE cc.geom && u.geom AND ST_Intersects(cc.geom, u.geom)) sn ON TRUE
        LEFT JOIN LATERAL (
            SELECT ST_CollectionExtract(ST_Union(ST_Intersection(r.geom, u.geom)), 2) AS g FROM road r
            WHERE r.geom && u.geom AND ST_Intersects(r.geom, u.geom)) rd ON TRUE
        LEFT JOIN LATERAL (
            SELECT count(*) AS total, count(*) FILTER (WHERE c.status <> 'online') AS offline FROM camera c
            WHERE c.geom && u.geom AND ST_Intersects(u.geom, c.geom)) cams ON TRUE
        ORDER BY u.code"""), {**params, "codes": codes}).all()
    found = []
    for code, zh, en, area, building, seen_public, road, seen_road, total, offline in rows:
        public = max(area - building, 0.0)
        found.append(Row(level, code, zh, en, round(area, 1), round(public, 1), round(seen_public, 1),
                         round(min(seen_public / public, 1.0), 4) if public else None,
                         round(road, 1), round(seen_road, 1),
                         round(min(seen_road / road, 1.0), 4) if road else None, total, offline))
    return found


def blind_spots(session: Session, scope: Scope, area: str | None = None, limit: int = 100) -> dict:
    """The longest stretches of road no online camera sees, as GeoJSON (PostGIS writes it)."""
    condition, params = scope.condition(session, "t")
    return session.execute(text(f"""
        WITH within AS (
            SELECT geom FROM grid WHERE code = :area AND valid_to IS NULL
            UNION ALL SELECT geom FROM area WHERE code = :area),
        spots AS (
            SELECT t.id, t.length_m, t.geom, r.name, r.class FROM camera_blind_spot t JOIN road r ON r.id = t.road_id
            WHERE ({condition}) AND (CAST(:area AS text) IS NULL OR EXISTS (
                SELECT 1 FROM within w WHERE t.geom && w.geom AND ST_Intersects(w.geom, ST_LineInterpolatePoint(t.geom, 0.5))))
            ORDER BY t.length_m DESC, t.id LIMIT :limit)
        SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', s.id, 'geometry', ST_AsGeoJSON(s.geom, 7)::json,
            'properties', json_build_object('length_m', round(s.length_m::numeric, 1), 'road', s.name,
                                            'class', s.class)) ORDER BY s.length_m DESC, s.id), '[]'::json))
        FROM spots s"""), {**params, "area": area, "limit": limit}).scalar_one()
