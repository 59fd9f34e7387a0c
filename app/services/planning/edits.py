"""Changing a draft plan: its features one by one (the OGC API – Features Part 4 shape) and
the operations planners use — split, merge, move a shared boundary, hand a building over.

Every change names the versions it was made against (plans.check_versions), locks what it
changes, and gives the grids it touches and their neighbours matching vertices, so a change
never leaves an edge that only looks shared."""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo import plan_edits as geo
from ...geo.crs import frame_for
from ...messages import Both, Message
from ...models import GRID_KINDS, Area, Building, GridPlan, GridPlanFeature, Worker
from ..city import names
from . import plans
from .plans import Actor, InvalidEdit

PROPERTIES = ("code", "name_zh", "name_en", "kind", "community", "worker")


# -- the GeoJSON a client reads and writes ---------------------------------------------------

def as_feature(session: Session, feature: GridPlanFeature) -> dict:
    community = session.get(Area, feature.community_id) if feature.community_id else None
    worker = session.get(Worker, feature.worker_id) if feature.worker_id else None
    return {"type": "Feature", "id": feature.id, "geometry": mapping(to_shape(feature.geom)),
            "properties": {"code": feature.code, "name_zh": feature.name_zh, "name_en": feature.name_en,
                           "kind": feature.kind, "community": community.code if community else None,
                           "worker": worker.code if worker else None, "version": feature.version,
                           "repaired": feature.repaired}}


def parse_polygon(value, field: str = "geometry") -> BaseGeometry:
    geom = _parse(value, field, ("Polygon", "MultiPolygon"), "a Polygon or MultiPolygon")
    return geom


def parse_line(value, field: str = "line") -> LineString:
    return _parse(value, field, ("LineString",), "a LineString")


def _parse(value, field: str, kinds: tuple[str, ...], wanted: str) -> BaseGeometry:
    if not isinstance(value, dict) or value.get("type") not in kinds:
        raise InvalidEdit("plan.geometry_kind", {"field": field, "wanted": wanted}, field=field)
    try:
        geom = shape(value)
    except Exception as error:           # shapely names what is wrong with the coordinates
        raise InvalidEdit("plan.geometry_invalid", {"field": field, "error": str(error)}, field=field) from None
    coords = shapely.get_coordinates(geom)
    if geom.is_empty or not len(coords) or not all(math.isfinite(v) for v in coords.ravel()):
        raise InvalidEdit("plan.geometry_empty", {"field": field}, field=field)
    if not ((-180 <= coords[:, 0]).all() and (coords[:, 0] <= 180).all()
            and (-90 <= coords[:, 1]).all() and (coords[:, 1] <= 90).all()):
        raise InvalidEdit("plan.geometry_degrees", {"field": field}, field=field)
    return geom


# -- one feature at a time (OGC API – Features Part 4) -----------------------------------------

def create(session: Session, plan_id: int, body: dict, actor: Actor) -> GridPlanFeature:
    plan = plans.editable(session, plan_id, actor.scope)
    geom = parse_polygon((body or {}).get("geometry"))
    props = _properties(body)
    feature = GridPlanFeature(plan_id=plan.id, kind="comprehensive", geom=from_shape(geo.as_multi(geom), 4326))
    _apply_properties(session, plan, feature, props, geom, creating=True)
    session.add(feature)
    session.flush()
    _store(session, plan, {feature.id: geom}, {feature.id: feature})
    plan.version += 1
    return feature


def replace(session: Session, plan_id: int, feature_id: int, body: dict, version: int | None,
            actor: Actor) -> GridPlanFeature:
    plan, feature = _one(session, plan_id, feature_id, version, actor)
    geom = parse_polygon((body or {}).get("geometry"))
    props = _properties(body)
    for name in ("name_zh", "name_en", "community", "worker"):
        props.setdefault(name, None)          # PUT replaces: what is left out is cleared
    props.setdefault("code", feature.code)
    props.setdefault("kind", "comprehensive")
    _apply_properties(session, plan, feature, props, geom)
    _store(session, plan, {feature.id: geom}, {feature.id: feature})
    plans.touch(plan, [feature], _now())
    return feature


def patch(session: Session, plan_id: int, feature_id: int, body: dict, version: int | None,
          actor: Actor) -> GridPlanFeature:
    """A JSON merge patch: the geometry, the properties given, or both."""
    plan, feature = _one(session, plan_id, feature_id, version, actor)
    if not isinstance(body, dict) or not (set(body) & {"geometry", "properties"}):
        raise InvalidEdit("plan.patch_body", field="body")
    geom = parse_polygon(body["geometry"]) if "geometry" in body else to_shape(feature.geom)
    _apply_properties(session, plan, feature, _properties(body), geom)
    if "geometry" in body:
        _store(session, plan, {feature.id: geom}, {feature.id: feature})
    plans.touch(plan, [feature], _now())
    return feature


def delete(session: Session, plan_id: int, feature_id: int, version: int | None, actor: Actor) -> None:
    plan, feature = _one(session, plan_id, feature_id, version, actor)
    session.delete(feature)
    plan.version += 1


def _one(session, plan_id, feature_id, version, actor) -> tuple[GridPlan, GridPlanFeature]:
    plan, (feature,) = _many(session, plan_id, [feature_id], {feature_id: version}, actor)
    return plan, feature


def _properties(body) -> dict:
    props = (body or {}).get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidEdit("plan.properties_object", field="properties")
    unknown = sorted(set(props) - set(PROPERTIES) - {"version", "repaired", "households", "source_grid"})
    if unknown:
        raise InvalidEdit("plan.properties_unknown", {"unknown": unknown, "known": PROPERTIES}, field="properties")
    return {k: v for k, v in props.items() if k in PROPERTIES}


def _apply_properties(session, plan, feature, props: dict, geom, creating: bool = False) -> None:
    errors = {}
    if "kind" in props:
        if props["kind"] not in GRID_KINDS:
            errors["kind"] = Message("plan.import.kind", known=GRID_KINDS)
        else:
            feature.kind = props["kind"]
    community = None
    if props.get("community") is not None:
        community = session.scalar(select(Area).where(Area.code == str(props["community"]),
                                                      Area.level == "community"))
        if community is None or community.id not in _communities(session, plan):
            errors["community"] = Message("plan.community_outside", community=str(props["community"]))
    elif creating or "community" in props or feature.community_id is None:
        community = holding_community(session, plan, geom)
    if community is not None:
        feature.community_id = community.id
    if "worker" in props:
        if props["worker"] is None:
            feature.worker_id = None
        else:
            worker = session.scalar(select(Worker).where(Worker.code == str(props["worker"])))
            if worker is None or not worker.active or worker.role != "full_time":
                errors["worker"] = Message("plan.worker_unfit", worker=str(props["worker"]))
            else:
                feature.worker_id = worker.id
    code = props.get("code")
    if code is not None:
        code = str(code).strip()
        if not re.fullmatch(r"[\w.-]{1,32}", code):
            errors["code"] = Message("plan.code_form")
        elif session.scalar(select(GridPlanFeature.id).where(
                GridPlanFeature.plan_id == plan.id, GridPlanFeature.code == code,
                GridPlanFeature.id != (feature.id or 0))):
            errors["code"] = Message("plan.code_taken", code=code)
        else:
            feature.code = code
    if errors:
        raise InvalidEdit("plan.properties_invalid", {"fields": list(errors)}, errors=errors)
    if not feature.code:
        feature.code = next_code(session, plan, feature.community_id)
    number = int(feature.code.rsplit("-", 1)[-1]) if feature.code.rsplit("-", 1)[-1].isdigit() else 0
    default_zh, default_en = _default_names(session, feature.community_id, number)
    feature.name_zh = (props.get("name_zh") or feature.name_zh or default_zh)[:200]
    feature.name_en = (props.get("name_en") or feature.name_en or default_en)[:200]


def _communities(session: Session, plan: GridPlan) -> set[int]:
    return set(session.execute(text(plans.COMMUNITIES_UNDER), {"area": plan.area_id}).scalars())


def holding_community(session: Session, plan: GridPlan, geom) -> Area | None:
    """The community of the plan's area that holds most of the shape."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    found = session.execute(text(f"""
        SELECT a.id FROM area a WHERE a.id IN ({plans.COMMUNITIES_UNDER})
          AND a.geom && ST_GeomFromText(:g, 4326)
        ORDER BY ST_Area(ST_Intersection(a.geom, ST_GeomFromText(:g, 4326))) DESC LIMIT 1"""),
        {"area": plan.area_id, "g": geom.wkt}).scalar()
    return session.get(Area, found) if found else None


def next_code(session: Session, plan: GridPlan, community_id: int | None) -> str:
    """The next free number in the community, counting current grids and the plan's own."""
    community = session.get(Area, community_id) if community_id else session.get(Area, plan.area_id)
    taken = set(session.execute(text("""
        SELECT code FROM grid_plan_feature WHERE plan_id = :plan
        UNION SELECT code FROM grid WHERE code LIKE :prefix"""),
        {"plan": plan.id, "prefix": f"{community.code}-%"}).scalars())
    number = 1
    while f"{community.code}-{number:02d}" in taken:
        number += 1
    return f"{community.code}-{number:02d}"


def _default_names(session, community_id, number) -> tuple[str, str]:
    community = session.get(Area, community_id) if community_id else None
    if community is None:
        return f"新网格{number}", f"New grid {number}"
    return names.grid_name((community.name_zh, community.name_en), number)


def _store(session: Session, plan: GridPlan, changed: dict[int, BaseGeometry],
           features: dict[int, GridPlanFeature]) -> None:
    """Write the changed shapes; when they are valid, they and their neighbours first get
    matching vertices. An invalid shape is kept as drawn, for the problems list to show."""
    if all(g.is_valid for g in changed.values()):
        around = plans.neighbours(session, plan.id, changed.values(), changed)
        fitted = geo.fit(changed, {f.id: to_shape(f.geom) for f in around})
        by_id = {**{f.id: f for f in around}, **features}
        for key, geom in fitted.items():
            by_id[key].geom = from_shape(geom, 4326)
    else:
        for key, geom in changed.items():
            features[key].geom = from_shape(geo.as_multi(geom), 4326)
    session.flush()


# -- the planners' operations -------------------------------------------------------------------

def split(session: Session, plan_id: int, feature_id: int, line, versions: dict[int, int],
          actor: Actor) -> dict:
    """The grid is cut by the line; the largest piece keeps the grid (and its worker), each
    other piece becomes a new grid of the same community, without a worker yet."""
    plan, (feature,) = _many(session, plan_id, [feature_id], versions, actor)
    geom = to_shape(feature.geom)
    pieces = _geo(lambda: geo.split(geom, parse_line(line), frame_for(geom)))
    created = []
    for piece in pieces[1:]:
        new = GridPlanFeature(plan_id=plan.id, kind=feature.kind, community_id=feature.community_id,
                              geom=from_shape(geo.as_multi(piece), 4326))
        _apply_properties(session, plan, new, {}, piece)
        session.add(new)
        session.flush()
        created.append(new)
    _store(session, plan, {feature.id: pieces[0], **{f.id: p for f, p in zip(created, pieces[1:])}},
           {feature.id: feature, **{f.id: f for f in created}})
    plans.touch(plan, [feature], _now())
    return {"changed": [feature.id], "created": [f.id for f in created], "removed": []}


def merge(session: Session, plan_id: int, feature_ids: list[int], versions: dict[int, int],
          actor: Actor) -> dict:
    """The grids become the first one named (its code, names and worker)."""
    if len(set(feature_ids)) < 2:
        raise InvalidEdit("plan.merge_two", field="features")
    plan, found = _many(session, plan_id, feature_ids, versions, actor)
    by_id = {f.id: f for f in found}
    keeper = by_id[feature_ids[0]]
    merged = _geo(lambda: geo.merge([to_shape(f.geom) for f in found]))
    removed = [f for f in found if f.id != keeper.id]
    for feature in removed:
        session.delete(feature)
    session.flush()
    _store(session, plan, {keeper.id: merged}, {keeper.id: keeper})
    plans.touch(plan, [keeper], _now())
    return {"changed": [keeper.id], "created": [], "removed": [f.id for f in removed]}


def move_boundary(session: Session, plan_id: int, a_id: int, b_id: int, line,
                  versions: dict[int, int], actor: Actor) -> dict:
    plan, found = _many(session, plan_id, [a_id, b_id], versions, actor)
    by_id = {f.id: f for f in found}
    a, b = to_shape(by_id[a_id].geom), to_shape(by_id[b_id].geom)
    new_a, new_b = _geo(lambda: geo.move_boundary(a, b, parse_line(line), frame_for(a)))
    _store(session, plan, {a_id: new_a, b_id: new_b}, by_id)
    plans.touch(plan, found, _now())
    return {"changed": [a_id, b_id], "created": [], "removed": []}


def hand_over(session: Session, plan_id: int, building_id: int, to_id: int, versions: dict[int, int],
              actor: Actor) -> dict:
    """The building goes wholly to the neighbouring grid `to_id`, from the grid that holds it."""
    plan = plans.editable(session, plan_id, actor.scope)
    building = session.get(Building, building_id)
    if building is None:
        raise plans.NotFound("place.building_not_found", {"id": building_id})
    giver_id = session.execute(text("""
        SELECT f.id FROM grid_plan_feature f, building b
        WHERE b.id = :building AND f.plan_id = :plan AND f.id <> :to AND f.geom && b.geom
          AND ST_IsValid(f.geom)
        ORDER BY ST_Area(ST_Intersection(f.geom, b.geom)) DESC LIMIT 1"""),
        {"building": building_id, "plan": plan.id, "to": to_id}).scalar()
    if giver_id is None:
        raise InvalidEdit("plan.building_not_held", field="building")
    _, found = _many(session, plan_id, [giver_id, to_id], versions, actor)
    by_id = {f.id: f for f in found}
    footprint = to_shape(building.geom)
    given, taken = _geo(lambda: geo.hand_over(footprint, to_shape(by_id[giver_id].geom),
                                              to_shape(by_id[to_id].geom), frame_for(footprint)))
    _store(session, plan, {giver_id: given, to_id: taken}, by_id)
    plans.touch(plan, found, _now())
    return {"changed": [giver_id, to_id], "created": [], "removed": []}


def _many(session, plan_id, ids, versions, actor) -> tuple[GridPlan, list[GridPlanFeature]]:
    plan = plans.editable(session, plan_id, actor.scope)
    found = plans.features_of(session, plan.id, ids, lock=True)
    missing = sorted(set(ids) - {f.id for f in found})
    if missing:
        raise plans.NotFound("plan.no_feature", {"plan": plan_id, "features": missing})
    plans.check_versions(found, versions, lambda f: as_feature(session, f))
    order = {key: n for n, key in enumerate(ids)}
    return plan, sorted(found, key=lambda f: order[f.id])


def _geo(edit):
    try:
        return edit()
    except geo.EditRefused as refused:
        raise InvalidEdit("plan.edit_refused", {"reason": Both(refused.message_zh, str(refused))}) from None


def parse_versions(value) -> dict[int, int]:
    """{"12": 3, …} from a request body: the version of each feature the client read."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEdit("plan.versions_object", field="versions")
    try:
        return {int(k): int(v) for k, v in value.items()}
    except (TypeError, ValueError):
        raise InvalidEdit("plan.versions_whole", field="versions") from None


def _now() -> datetime:
    return datetime.now(timezone.utc)
