"""The layers as GeoJSON, produced by PostGIS.

Each collection is declared once (table, fixed filter, properties); the SQL for any of them is
composed here from those declarations, with user input only ever passed as bound parameters.
PostGIS writes the GeoJSON text; Python never decodes and re-encodes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from .scope import Scope

# Seven decimals of a degree: about a centimetre, the precision of the source data.
COORDINATE_DECIMALS = 7


@dataclass(frozen=True)
class Collection:
    id: str
    title_zh: str
    title_en: str
    table: str
    geometry_type: str
    properties: dict[str, str] = field(default_factory=dict)  # output name -> SQL on alias t
    where: str = "TRUE"                                        # fixed filter on alias t
    boundary: bool = False      # a division layer: a worker also sees the neighbours' outlines
    permission: str = "layers:read"


_AREA_PROPS = {"code": "t.code", "name_zh": "t.name_zh", "name_en": "t.name_en",
               "households": "t.households", "population": "t.population"}

COLLECTIONS: dict[str, Collection] = {c.id: c for c in [
    Collection("districts", "区", "Districts", "area", "MultiPolygon", _AREA_PROPS,
               "t.level = 'district'", boundary=True),
    Collection("streets", "街道", "Streets", "area", "MultiPolygon", _AREA_PROPS,
               "t.level = 'street'", boundary=True),
    Collection("communities", "社区", "Communities", "area", "MultiPolygon",
               {**_AREA_PROPS, "street": "(SELECT p.code FROM area p WHERE p.id = t.parent_id)"},
               "t.level = 'community'", boundary=True),
    Collection("grids", "网格", "Grids", "grid", "MultiPolygon",
               {**_AREA_PROPS, "kind": "t.kind",
                "community": "(SELECT c.code FROM area c WHERE c.id = t.community_id)",
                "valid_from": "t.valid_from"},
               "t.valid_to IS NULL", boundary=True),
    Collection("buildings", "楼栋", "Buildings", "building", "MultiPolygon",
               {"name": "t.name", "address": "t.address", "kind": "t.kind", "levels": "t.levels",
                "households": "t.households", "population": "t.population",
                "grid": "(SELECT g.code FROM grid g WHERE g.id = t.grid_id)"}),
    Collection("roads", "道路", "Roads", "road", "LineString",
               {"name": "t.name", "class": "t.class"}),
    Collection("cameras", "视频监控", "Cameras", "camera", "Point",
               {"name": "t.name", "kind": "t.kind", "bearing": "t.bearing", "fov": "t.fov",
                "range_m": "t.range_m", "height_m": "t.height_m", "status": "t.status",
                "estimated": "t.estimated"}, permission="cameras:read"),
]}


class UnknownCollection(LookupError):
    pass


def collection(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise UnknownCollection(collection_id) from None


def items_geojson(session: Session, collection_id: str, bbox: tuple[float, float, float, float] | None,
                  limit: int, offset: int = 0, scope: Scope | None = None) -> str:
    """A GeoJSON FeatureCollection as text, in id order, optionally within a WGS84 bbox,
    holding only what lies in the scope."""
    c = collection(collection_id)
    in_scope, params = (scope or Scope()).condition(session, "t", c.boundary)
    bbox_filter = "t.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)" if bbox else "TRUE"
    sql = f"""
        SELECT json_build_object(
                 'type', 'FeatureCollection',
                 'numberReturned', count(*),
                 'features', coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json))::text
        FROM (
            SELECT t.id, {_feature(c)} AS feature
            FROM {c.table} t
            WHERE {c.where} AND {bbox_filter} AND {in_scope}
            ORDER BY t.id
            LIMIT :limit OFFSET :offset
        ) f"""
    params.update(limit=limit, offset=offset)
    if bbox:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox))
    return session.execute(text(sql), params).scalar_one()


def item_geojson(session: Session, collection_id: str, feature_id: int,
                 scope: Scope | None = None) -> str | None:
    """One feature as GeoJSON text; None when it does not exist or lies outside the scope
    (the two are not told apart, so a scope never reveals what exists beyond it)."""
    c = collection(collection_id)
    in_scope, params = (scope or Scope()).condition(session, "t", c.boundary)
    sql = f"""
        SELECT {_feature(c)}::text
        FROM {c.table} t
        WHERE t.id = :feature_id AND {c.where} AND {in_scope}"""
    return session.execute(text(sql), {**params, "feature_id": feature_id}).scalar_one_or_none()


def _feature(c: Collection) -> str:
    """The SQL that writes one row of alias t as a GeoJSON Feature."""
    properties = ", ".join(f"'{name}', {sql}" for name, sql in c.properties.items())
    return (f"json_build_object('type', 'Feature', 'id', t.id, "
            f"'geometry', ST_AsGeoJSON(t.geom, {COORDINATE_DECIMALS})::json, "
            f"'properties', json_build_object({properties}))")
