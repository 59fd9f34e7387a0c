"""Cameras added, changed and removed by operators: checked, stored, and their coverage (and the
blind spots around them) recomputed in the same transaction."""
from __future__ import annotations

import json
import uuid

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope
from ..city import frame
from . import coverage
from .sources import InvalidCamera, camera_from_fields

FIELDS = ("name", "kind", "bearing", "fov", "range_m", "height_m", "status", "owner")
PERSON_FIELDS = ("name", "kind", "bearing", "fov", "range_m", "height_m")     # a re-import keeps these


class NotFound(LookupError):
    pass


def _checked(session: Session, fields: dict, scope: Scope) -> dict:
    camera = camera_from_fields(fields)
    if not frame.city_outline(session).intersects(shapely.Point(camera["lon"], camera["lat"])):
        raise InvalidCamera({"point": f"{camera['lon']:.6f}, {camera['lat']:.6f} is outside the city this service covers."})
    if not scope.contains_point(session, camera["lon"], camera["lat"]):
        raise InvalidCamera({"point": "The camera would stand outside the area you answer for."})
    return camera


def create(session: Session, fields: dict, scope: Scope) -> int:
    c = _checked(session, fields, scope)
    given = _set_by_person(fields)
    camera_id = session.execute(text("""
        INSERT INTO camera (source, source_id, name, kind, bearing, fov, range_m, height_m, status, owner,
                            estimated, set_by_operator, bearing_from, geom)
        VALUES ('manual', :source_id, :name, :kind, :bearing, :fov, :range_m, :height_m, :status, :owner,
                :estimated, :given, CASE WHEN 'bearing' = ANY(CAST(:given AS varchar[])) THEN 'operator' END,
                ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        RETURNING id"""), {**c, "source_id": uuid.uuid4().hex, "given": given}).scalar_one()
    coverage.refresh_cameras(session, [camera_id])
    return camera_id


def update(session: Session, camera_id: int, changes: dict, scope: Scope) -> None:
    """Changes some of the figures; what is not given stays as it was (no longer estimated
    when given); a figure given as null goes back to its default or estimate."""
    current = _current(session, camera_id, scope)
    estimated = set(current.pop("estimated"))
    kept = {k: v for k, v in current.items() if k in ("lon", "lat") or (k in FIELDS and k not in estimated)}
    merged = {**kept, **changes}
    c = _checked(session, merged, scope)
    session.execute(text("""
        UPDATE camera SET name = :name, kind = :kind, bearing = :bearing, fov = :fov, range_m = :range_m,
               height_m = :height_m, status = :status, owner = :owner, estimated = :estimated,
               set_by_operator = ARRAY(SELECT DISTINCT x FROM unnest(set_by_operator || CAST(:given AS varchar[])) x
                                       WHERE NOT x = ANY(CAST(:cleared AS varchar[]))),
               bearing_from = CASE WHEN 'bearing' = ANY(CAST(:given AS varchar[])) THEN 'operator'
                                   WHEN 'bearing' = ANY(CAST(:cleared AS varchar[])) THEN NULL
                                   ELSE bearing_from END,
               geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
        WHERE id = :id"""), {**c, "id": camera_id, "given": _set_by_person(changes),
                             "cleared": _cleared(changes)})
    coverage.refresh_cameras(session, [camera_id])


def _set_by_person(fields: dict) -> list[str]:
    """The figures a person gave (a re-import from the camera's source keeps them)."""
    return sorted(k for k in PERSON_FIELDS if fields.get(k) not in (None, ""))


def _cleared(changes: dict) -> list[str]:
    """Figures a person cleared (sent as null): back to the source's, or to the estimate (a
    bearing is then estimated from the ground again)."""
    return sorted(k for k in PERSON_FIELDS if k in changes and changes[k] in (None, ""))


def delete(session: Session, camera_id: int, scope: Scope) -> None:
    _current(session, camera_id, scope)
    session.execute(text("DELETE FROM camera WHERE id = :id"), {"id": camera_id})
    coverage.refresh_cameras(session, [camera_id])


def feature(session: Session, camera_id: int, scope: Scope) -> dict:
    """The camera as GeoJSON, with what it sees (area in m²) and its coverage polygon."""
    condition, params = scope.condition(session, "t")
    row = session.execute(text(f"""
        SELECT json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(t.geom, 7)::json,
            'properties', json_build_object(
                'name', t.name, 'kind', t.kind, 'bearing', t.bearing, 'fov', t.fov, 'range_m', t.range_m,
                'height_m', t.height_m, 'status', t.status, 'owner', t.owner, 'source', t.source,
                'estimated', t.estimated, 'bearing_from', t.bearing_from,
                'seen_m2', round(ST_Area(cc.geom::geography)::numeric, 1),
                'coverage', ST_AsGeoJSON(cc.geom, 7)::json))
        FROM camera t LEFT JOIN camera_coverage cc ON cc.camera_id = t.id
        WHERE t.id = :id AND {condition}"""), {**params, "id": camera_id}).scalar_one_or_none()
    if row is None:
        raise NotFound(camera_id)
    return row if isinstance(row, dict) else json.loads(row)


def _current(session: Session, camera_id: int, scope: Scope) -> dict:
    condition, params = scope.condition(session, "t")
    row = session.execute(text(f"""
        SELECT t.name, t.kind, t.bearing, t.fov, t.range_m, t.height_m, t.status, t.owner, t.estimated,
               ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat
        FROM camera t WHERE t.id = :id AND {condition} FOR UPDATE"""), {**params, "id": camera_id}).mappings().first()
    if row is None:
        raise NotFound(camera_id)
    return dict(row)
