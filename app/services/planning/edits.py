"""Changing a draft plan: its features one by one (the OGC API – Features Part 4 shape) and
the operations planners use — split, merge, move a shared boundary, hand a building over,
merge a sliver or a tiny grid into its neighbour, name a grid and give it its worker — and
taking the last of them back (undo) or making it again (redo).

Every change names the versions it was made against (plans.check_versions), locks what it
changes, and gives the grids it touches and their neighbours matching vertices, so a change
never leaves an edge that only looks shared. Every change is kept in the plan's record as an
`edit` event holding each feature it changed as it was before and after (the journal), which
is what undo and redo restore."""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo import plan_edits as geo
from ...geo.coverage import EXACT_M2
from ...geo.crs import MetricFrame, frame_for
from ...geo.partition import GRID_SIZE
from ...messages import Both, Message, zh_punctuated
from ...models import GRID_KINDS, Area, Building, GridPlan, GridPlanEvent, GridPlanFeature, Worker
from ..city import names, sites as site_kinds
from ..city.frame import city_utm
from . import plans
from .plans import Actor, InvalidEdit, NotEditable

PROPERTIES = ("code", "name_zh", "name_en", "kind", "site_kind", "community", "worker")


# -- the GeoJSON a client reads and writes ---------------------------------------------------

def as_feature(session: Session, feature: GridPlanFeature) -> dict:
    community = session.get(Area, feature.community_id) if feature.community_id else None
    worker = session.get(Worker, feature.worker_id) if feature.worker_id else None
    return {"type": "Feature", "id": feature.id, "geometry": mapping(to_shape(feature.geom)),
            "properties": {"code": feature.code, "name_zh": feature.name_zh, "name_en": feature.name_en,
                           "kind": feature.kind, "site_kind": feature.site_kind,
                           "community": community.code if community else None,
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
    with _journaled(session, plan_id, actor, "create") as journal:
        plan = journal.plan
        geom = parse_polygon((body or {}).get("geometry"))
        props = _properties(body)
        feature = GridPlanFeature(plan_id=plan.id, kind="comprehensive", geom=from_shape(geo.as_multi(geom), 4326))
        _apply_properties(session, plan, feature, props, geom, creating=True)
        session.add(feature)
        session.flush()
        _store(session, plan, {feature.id: geom}, {feature.id: feature})
        plan.version += 1
        journal.grids = [feature.code]
    return feature


def replace(session: Session, plan_id: int, feature_id: int, body: dict, version: int | None,
            actor: Actor) -> GridPlanFeature:
    with _journaled(session, plan_id, actor, "replace") as journal:
        plan, feature = _one(session, plan_id, feature_id, version, actor)
        journal.grids = [feature.code]
        geom = parse_polygon((body or {}).get("geometry"))
        props = _properties(body)
        for name in ("name_zh", "name_en", "community", "worker", "site_kind"):
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
    with _journaled(session, plan_id, actor, "patch") as journal:
        plan, feature = _one(session, plan_id, feature_id, version, actor)
        journal.grids = [feature.code]
        if not isinstance(body, dict) or not (set(body) & {"geometry", "properties"}):
            raise InvalidEdit("plan.patch_body", field="body")
        geom = parse_polygon(body["geometry"]) if "geometry" in body else to_shape(feature.geom)
        _apply_properties(session, plan, feature, _properties(body), geom)
        if "geometry" in body:
            _store(session, plan, {feature.id: geom}, {feature.id: feature})
        plans.touch(plan, [feature], _now())
    return feature


def delete(session: Session, plan_id: int, feature_id: int, version: int | None, actor: Actor) -> None:
    with _journaled(session, plan_id, actor, "delete") as journal:
        plan, feature = _one(session, plan_id, feature_id, version, actor)
        journal.grids = [feature.code]
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
    errors = _kind(feature, props)
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


def _kind(feature: GridPlanFeature, props: dict) -> dict:
    """The grid's kind and, a special grid's, its site kind (school, park…): a comprehensive
    grid has none, so marking one comprehensive clears it. The errors, by field."""
    kind = props.get("kind", feature.kind)
    if kind not in GRID_KINDS:
        return {"kind": Message("plan.import.kind", known=GRID_KINDS)}
    site_kind = props.get("site_kind", feature.site_kind) if kind == "special" else props.get("site_kind")
    if site_kind is not None:
        known = site_kinds.kind_codes()
        if kind != "special":
            return {"site_kind": Message("plan.site_kind_comprehensive")}
        if site_kind not in known:
            return {"site_kind": Message("plan.site_kind", known=known)}
    feature.kind, feature.site_kind = kind, site_kind
    return {}


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
    other piece becomes a new grid of the same community, without a worker yet. A crumb the
    line cuts off near an edge or a corner stays with the piece beside it; the answer's
    `absorbed_m2` lists them, so the planner is told."""
    with _journaled(session, plan_id, actor, "split") as journal:
        plan, (feature,) = _many(session, plan_id, [feature_id], versions, actor)
        geom = to_shape(feature.geom)
        community = session.get(Area, feature.community_id) if feature.community_id else None
        parent = to_shape(community.geom) if community is not None else None
        # in the frame the plan is checked in, where a new vertex on the community's edge is
        # put on that edge
        cut = _geo(lambda: geo.split(geom, parse_line(line), MetricFrame(city_utm(session)), parent))
        pieces = cut.pieces
        created = []
        for piece in pieces[1:]:
            new = GridPlanFeature(plan_id=plan.id, kind=feature.kind, site_kind=feature.site_kind,
                                  community_id=feature.community_id,
                                  geom=from_shape(geo.as_multi(piece), 4326))
            _apply_properties(session, plan, new, {}, piece)
            session.add(new)
            session.flush()
            created.append(new)
        _store(session, plan, {feature.id: pieces[0], **{f.id: p for f, p in zip(created, pieces[1:])}},
               {feature.id: feature, **{f.id: f for f in created}})
        plans.touch(plan, [feature], _now())
        journal.grids = [feature.code, *(f.code for f in created)]
    return {"changed": [feature.id], "created": [f.id for f in created], "removed": [],
            "absorbed_m2": [round(area, 1) for area in cut.absorbed_m2]}


def merge(session: Session, plan_id: int, feature_ids: list[int], versions: dict[int, int],
          actor: Actor) -> dict:
    """The grids become the first one named (its code, names and worker)."""
    if len(set(feature_ids)) < 2:
        raise InvalidEdit("plan.merge_two", field="features")
    with _journaled(session, plan_id, actor, "merge") as journal:
        plan, found = _many(session, plan_id, feature_ids, versions, actor)
        journal.grids = [f.code for f in found]
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
    with _journaled(session, plan_id, actor, "move_boundary") as journal:
        plan, found = _many(session, plan_id, [a_id, b_id], versions, actor)
        journal.grids = [f.code for f in found]
        by_id = {f.id: f for f in found}
        a, b = to_shape(by_id[a_id].geom), to_shape(by_id[b_id].geom)
        # two grids of one community keep meeting its outline; a line between communities moves
        # land from one to the other, and neither outline is the plan's to follow
        same = by_id[a_id].community_id == by_id[b_id].community_id and by_id[a_id].community_id
        parent = to_shape(session.get(Area, by_id[a_id].community_id).geom) if same else None
        new_a, new_b = _geo(lambda: geo.move_boundary(a, b, parse_line(line), MetricFrame(city_utm(session)),
                                                      parent))
        _store(session, plan, {a_id: new_a, b_id: new_b}, by_id)
        plans.touch(plan, found, _now())
    return {"changed": [a_id, b_id], "created": [], "removed": []}


def hand_over(session: Session, plan_id: int, building_id: int, to_id: int, versions: dict[int, int],
              actor: Actor) -> dict:
    """The building goes wholly to the neighbouring grid `to_id`, from the grid that holds it."""
    with _journaled(session, plan_id, actor, "hand_over") as journal:
        plan = journal.plan
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
        journal.grids = [f.code for f in found]
        by_id = {f.id: f for f in found}
        footprint = to_shape(building.geom)
        given, taken = _geo(lambda: geo.hand_over(footprint, to_shape(by_id[giver_id].geom),
                                                  to_shape(by_id[to_id].geom), frame_for(footprint)))
        _store(session, plan, {giver_id: given, to_id: taken}, by_id)
        plans.touch(plan, found, _now())
    return {"changed": [giver_id, to_id], "created": [], "removed": []}


def keep_building_whole(session: Session, plan_id: int, building_id: int, versions: dict[int, int],
                        actor: Actor) -> dict:
    """The fix for a building cut by a grid line: the grid that holds most of it takes it
    whole, the line moved round it; the grids give up their pieces of it, and vertices stay
    shared. Refused across a community line, where no grid may reach (the community's own
    line cuts the building). `versions` names the grids that hold a piece and their
    neighbours."""
    with _journaled(session, plan_id, actor, "keep_building_whole") as journal:
        plan = journal.plan
        building = session.get(Building, building_id)
        if building is None:
            raise plans.NotFound("place.building_not_found", {"id": building_id})
        holder_ids = list(session.execute(text("""
            SELECT f.id FROM grid_plan_feature f, building b
            WHERE b.id = :building AND f.plan_id = :plan AND f.geom && b.geom AND ST_IsValid(f.geom)
              AND ST_Area(ST_Intersection(f.geom, b.geom)::geography) > :least
            ORDER BY f.id"""), {"building": building_id, "plan": plan.id, "least": EXACT_M2}).scalars())
        if len(holder_ids) < 2:
            raise InvalidEdit("plan.building_whole", field="building")
        _, found = _many(session, plan_id, holder_ids, versions, actor)
        if len({f.community_id for f in found}) > 1:
            raise InvalidEdit("plan.building_across_communities", field="building")
        by_id = {f.id: f for f in found}
        footprint = to_shape(building.geom)
        keeper, changed = _geo(lambda: geo.keep_whole(
            footprint, {f.id: to_shape(f.geom) for f in found}, frame_for(footprint)))
        journal.grids = [by_id[keeper].code, *(by_id[k].code for k in changed if k != keeper)]
        _store(session, plan, changed, {k: by_id[k] for k in changed})
        plans.touch(plan, [by_id[k] for k in changed], _now())
    return {"changed": [keeper, *(k for k in changed if k != keeper)], "created": [], "removed": []}


def merge_into_neighbour(session: Session, plan_id: int, feature_id: int, at, versions: dict[int, int],
                         actor: Actor) -> dict:
    """The fix for a sliver or a tiny grid: the part of the grid nearest `at` ([lon, lat]; the
    whole grid when it is one part or `at` is not given) goes to the neighbouring grid it
    shares the longest boundary with. A grid left with nothing is merged away: the neighbour
    keeps its own code, names and worker. `versions` names the grid and its neighbours."""
    with _journaled(session, plan_id, actor, "merge_into_neighbour") as journal:
        plan, (feature,) = _many(session, plan_id, [feature_id], versions, actor)
        whole = to_shape(feature.geom)
        parts = list(shapely.get_parts(whole))
        point = _point(at)
        if point is not None and len(parts) > 1:
            piece = min(parts, key=lambda part: part.distance(point))
            rest = [part for part in parts if part is not piece]
        else:
            piece, rest = whole, []
        around = plans.neighbours(session, plan.id, [piece], [feature.id])
        frame = frame_for(piece)
        edge = frame.to_metric(piece.boundary)
        shared = {f.id: edge.intersection(frame.to_metric(to_shape(f.geom).boundary).buffer(SHARED_EDGE_M)).length
                  for f in around}
        best = max(around, key=lambda f: shared[f.id], default=None)
        if best is None or shared[best.id] <= 0:
            raise InvalidEdit("plan.no_neighbour", {"grid": feature.code}, field="feature")
        plans.check_versions([best], versions, lambda f: as_feature(session, f))
        journal.grids = [feature.code, best.code]
        grown = geo.as_multi(shapely.set_precision(shapely.union_all([to_shape(best.geom), piece]), GRID_SIZE))
        if rest:
            _store(session, plan, {best.id: grown, feature.id: geo.as_multi(shapely.MultiPolygon(rest))},
                   {best.id: best, feature.id: feature})
            plans.touch(plan, [best, feature], _now())
            return {"changed": [best.id, feature.id], "created": [], "removed": []}
        session.delete(feature)
        session.flush()
        _store(session, plan, {best.id: grown}, {best.id: best})
        plans.touch(plan, [best], _now())
    return {"changed": [best.id], "created": [], "removed": [feature.id]}


SHARED_EDGE_M = 0.05           # an edge within 5 cm of a neighbour's is taken as shared with it


def _point(at):
    if at is None:
        return None
    if not (isinstance(at, (list, tuple)) and len(at) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in at)):
        raise InvalidEdit("plan.at_point", field="at")
    return shapely.Point(at)


def name_grid(session: Session, plan_id: int, feature_id: int, body: dict, versions: dict[int, int],
              actor: Actor) -> dict:
    """A grid's names, kind and full-time worker, in one change: {"name_zh", "name_en",
    "kind" (comprehensive | special) with a special grid's "site_kind" (school, park…:
    gis_data/site_kinds.csv), and "worker": a worker's code (null: none) or "new_worker": the
    name of a full-time worker to be registered for it}."""
    with _journaled(session, plan_id, actor, "name") as journal:
        plan, (feature,) = _many(session, plan_id, [feature_id], versions, actor)
        journal.grids = [feature.code]
        props = {}
        for key in ("name_zh", "name_en"):
            if key in body:
                value = body[key].strip() if isinstance(body[key], str) else ""
                if not 1 <= len(value) <= 200:
                    raise InvalidEdit("plan.grid_name", field=key)
                props[key] = value
        props.update({key: body[key] for key in ("kind", "site_kind") if key in body})
        if body.get("new_worker") is not None:
            worker = _new_worker(session, feature, body["new_worker"])
            journal.extra["new_worker"] = worker.id
            props["worker"] = worker.code
        elif "worker" in body:
            props["worker"] = body["worker"]
        before = _named(feature)
        _apply_properties(session, plan, feature, props, to_shape(feature.geom))
        after = _named(feature)
        if before[:2] != after[:2]:
            # the record says what the grid became, not only that it was named
            journal.extra["became"] = _became(feature)
            if before[2:] == after[2:]:
                journal.op = "kind"
        plans.touch(plan, [feature], _now())
    return {"changed": [feature.id], "created": [], "removed": []}


def _named(feature: GridPlanFeature) -> tuple:
    return feature.kind, feature.site_kind, feature.name_zh, feature.name_en, feature.worker_id


def _became(feature: GridPlanFeature) -> dict:
    """A grid's kind as the record says it: a special grid with its kind of site in both languages
    (the record is read long after the kinds table may have changed)."""
    if feature.kind != "special":
        return {"kind": feature.kind}
    site = site_kinds.by_code().get(feature.site_kind)
    return {"kind": "special", "site_kind": feature.site_kind,
            "site_zh": site.name_zh if site else None, "site_en": site.name_en if site else None}


def _new_worker(session: Session, feature: GridPlanFeature, name) -> Worker:
    """A full-time grid worker registered from the plan, for the grid: coded after it."""
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 100:
        raise InvalidEdit("plan.worker_name", field="new_worker")
    stem = f"W{feature.code}"[:29]
    code, number = stem, 1
    while session.scalar(select(Worker.id).where(Worker.code == code)):
        number += 1
        code = f"{stem}-{number}"
    worker = Worker(code=code, name_zh=name, name_en=name, role="full_time", active=True)
    session.add(worker)
    session.flush()
    return worker


def site_kinds_offered() -> list[dict]:
    """The kinds of site a special grid may be carved around, in the table's order."""
    return [{"code": k.code, "name_zh": k.name_zh, "name_en": k.name_en} for k in site_kinds.read_kinds()]


def assignable_workers(session: Session, plan: GridPlan) -> list[dict]:
    """The full-time workers a planner may give a grid of the plan: those who answer for a
    grid of its area now, those the plan gives a grid, those who answered for one of its
    area before and hold nothing now, and those registered from this plan. Each with the
    plan's grids they hold (`plan_grids`; none first: they are the ones to place), the grid
    they hold now (`holds`) and their community (in the plan, else now)."""
    rows = session.execute(text(f"""
        WITH communities AS ({plans.COMMUNITIES_UNDER}),
        in_plan AS (
            SELECT f.worker_id, array_agg(f.code ORDER BY f.code) AS codes,
                   min(c.code) AS community
            FROM grid_plan_feature f LEFT JOIN area c ON c.id = f.community_id
            WHERE f.plan_id = :plan AND f.worker_id IS NOT NULL GROUP BY f.worker_id)
        SELECT w.code, w.name_zh, w.name_en, now_held.code AS holds,
               coalesce(in_plan.codes, '{{}}') AS plan_grids,
               coalesce(in_plan.community, now_held.community) AS community
        FROM worker w
        LEFT JOIN in_plan ON in_plan.worker_id = w.id
        LEFT JOIN LATERAL (
            SELECT g.code, g.community_id, c.code AS community
            FROM worker_assignment a JOIN grid g ON g.id = a.grid_id
            LEFT JOIN area c ON c.id = g.community_id
            WHERE a.worker_id = w.id AND a.valid_to IS NULL AND g.valid_to IS NULL
            ORDER BY a.valid_from, a.id LIMIT 1) now_held ON true
        WHERE w.active AND w.role = 'full_time'
          AND (in_plan.worker_id IS NOT NULL
               OR now_held.community_id IN (SELECT id FROM communities)
               OR (now_held.code IS NULL AND NOT EXISTS (
                       SELECT 1 FROM worker_assignment r WHERE r.worker_id = w.id AND r.valid_to IS NULL)
                   AND (EXISTS (SELECT 1 FROM worker_assignment e JOIN grid g ON g.id = e.grid_id
                                WHERE e.worker_id = w.id AND g.community_id IN (SELECT id FROM communities))
                        OR w.id IN (SELECT (data->>'new_worker')::int FROM grid_plan_event
                                    WHERE plan_id = :plan AND data->>'new_worker' IS NOT NULL))))
        ORDER BY in_plan.worker_id IS NOT NULL, now_held.code NULLS FIRST, w.code"""),
        {"plan": plan.id, "area": plan.area_id}).all()
    return [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "holds": r.holds,
             "plan_grids": list(r.plan_grids), "community": r.community} for r in rows]


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
    except geo.EditRefused as refused:       # the geometry's own words, in Chinese punctuation
        reason = Both(zh_punctuated(refused.message_zh), str(refused))
        raise InvalidEdit("plan.edit_refused", {"reason": reason}) from None


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


# -- the journal: undo and redo -------------------------------------------------------------------
# Each change is an `edit` event holding every feature it changed (split pieces, merged grids,
# and the neighbours that gained a vertex) as it was before and after: code, names, kind,
# community, worker and the outline's exact bytes. `undo` and `redo` are events too, naming the
# edit they take back or make again; the record is never rewritten. What may be undone is read
# from the record: the edits since the last step of another kind (created, imported, submitted…),
# less those undone; an edit after an undo leaves nothing to redo.

KEPT = ("source_grid_id", "code", "name_zh", "name_en", "kind", "site_kind", "community_id", "worker_id", "repaired",
        "geom")


def _snapshot(alias: str) -> str:
    fields = ", ".join(f"'{name}', {alias}.{name}" for name in KEPT if name != "geom")
    return (f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE json_build_object({fields}, "
            f"'version', {alias}.version, 'geom', encode(ST_AsEWKB({alias}.geom), 'hex')) END")


def _row(alias: str) -> str:
    return ", ".join([*(f"{alias}.{name}" for name in KEPT if name != "geom"), f"{alias}.version",
                      f"ST_AsEWKB({alias}.geom)"])


@dataclass
class _Journal:
    plan: GridPlan
    op: str = ""
    grids: list[str] = field(default_factory=list)        # the grids the change is about, by code
    extra: dict = field(default_factory=dict)


@contextmanager
def _journaled(session: Session, plan_id: int, actor: Actor, op: str):
    """Locks the draft and keeps its features as they are; after the change, the features it
    changed are written to the record before and after."""
    plan = plans.editable(session, plan_id, actor.scope)
    session.flush()
    session.execute(text("DROP TABLE IF EXISTS pg_temp.plan_before"))
    session.execute(text("CREATE TEMP TABLE plan_before ON COMMIT DROP AS "
                         "SELECT * FROM grid_plan_feature WHERE plan_id = :plan"), {"plan": plan.id})
    journal = _Journal(plan, op)
    yield journal
    session.flush()
    changed = session.execute(text(f"""
        SELECT coalesce(a.id, b.id) AS id, {_snapshot('b')} AS before, {_snapshot('a')} AS after
        FROM plan_before b FULL JOIN (SELECT * FROM grid_plan_feature WHERE plan_id = :plan) a ON a.id = b.id
        WHERE a.id IS NULL OR b.id IS NULL OR ({_row('b')}) IS DISTINCT FROM ({_row('a')})
        ORDER BY 1"""), {"plan": plan.id}).all()
    session.execute(text("DROP TABLE pg_temp.plan_before"))
    if changed:
        plans.record(session, plan, actor.name, "edit", plan.status, plan.status, None, {
            "op": journal.op, "grids": journal.grids, **journal.extra,
            "features": [{"id": r.id, "before": r.before, "after": r.after} for r in changed]})


@dataclass
class Record:
    """Where a plan's journal stands: the edits that may be undone and redone (the last one
    last), and every edit taken back and not made again."""
    undoable: list[int]
    redoable: list[int]
    undone: set[int]


def journal_of(session: Session, plan_id: int) -> Record:
    undoable, redoable, undone = [], [], set()
    for event_id, action, of in session.execute(text("""
            SELECT id, action, (data->>'of')::bigint FROM grid_plan_event
            WHERE plan_id = :plan ORDER BY id"""), {"plan": plan_id}):
        if action == "edit":
            undoable.append(event_id)
            redoable.clear()
        elif action == "undo" and undoable and undoable[-1] == of:
            redoable.append(undoable.pop())
            undone.add(of)
        elif action == "redo" and redoable and redoable[-1] == of:
            undoable.append(redoable.pop())
            undone.discard(of)
        elif action not in ("undo", "redo"):
            undoable.clear()
            redoable.clear()
    return Record(undoable, redoable, undone)


def undo_state(session: Session, plan: GridPlan) -> dict:
    """What undo and redo would take back or make again: {"undo": {"op", "grids"} or None, "redo": …}."""
    record = journal_of(session, plan.id)

    def described(stack: list[int]):
        if not stack or plan.status not in plans.EDITABLE:
            return None
        op, grids = session.execute(text("SELECT data->>'op', data->'grids' FROM grid_plan_event WHERE id = :id"),
                                    {"id": stack[-1]}).one()
        return {"op": op, "grids": grids or [], "event": stack[-1]}
    return {"undo": described(record.undoable), "redo": described(record.redoable)}


def undo(session: Session, plan_id: int, actor: Actor) -> dict:
    """The draft's last edit (not yet undone) taken back: every feature it changed as it was."""
    return _travel(session, plan_id, actor, "undo")


def redo(session: Session, plan_id: int, actor: Actor) -> dict:
    """The edit undone last made again, exactly as it was made."""
    return _travel(session, plan_id, actor, "redo")


class NothingToTravel(NotEditable):
    code = "NothingToUndo"


class JournalConflict(NotEditable):
    code = "PlanChanged"


def _travel(session: Session, plan_id: int, actor: Actor, direction: str) -> dict:
    plan = plans.editable(session, plan_id, actor.scope)
    record = journal_of(session, plan.id)
    stack = record.undoable if direction == "undo" else record.redoable
    if not stack:
        raise NothingToTravel("plan.nothing_to_undo" if direction == "undo" else "plan.nothing_to_redo",
                              {"id": plan.id})
    edit = session.get(GridPlanEvent, stack[-1])
    now_side, to_side = ("after", "before") if direction == "undo" else ("before", "after")
    features = edit.data["features"]
    ids = [f["id"] for f in features]
    current = dict(session.execute(text(f"""
        SELECT f.id, {_snapshot('f')} FROM grid_plan_feature f
        WHERE f.plan_id = :plan AND f.id = ANY(:ids) FOR UPDATE"""), {"plan": plan.id, "ids": ids}).all())
    if any(not _same(current.get(f["id"]), f[now_side]) for f in features):
        raise JournalConflict("plan.journal_conflict", {"id": plan.id})
    plan.version += 1
    session.flush()
    result = {"changed": [], "created": [], "removed": []}
    columns = [name for name in KEPT if name != "geom"]
    for f in features:
        target, now = f[to_side], current.get(f["id"])
        params = {"id": f["id"], "plan": plan.id, "version": plan.version,
                  # an edit recorded before grids had a site kind has none to restore
                  **({name: target.get(name) for name in KEPT} if target else {})}
        if target is None:
            session.execute(text("DELETE FROM grid_plan_feature WHERE id = :id AND plan_id = :plan"), params)
            result["removed"].append(f["id"])
        elif now is None:
            # a feature back: its own id, and a version no reader of it ever saw
            session.execute(text(f"""
                INSERT INTO grid_plan_feature (id, plan_id, {", ".join(columns)}, version, updated_at, geom)
                VALUES (:id, :plan, {", ".join(f":{name}" for name in columns)}, :version, now(),
                        ST_GeomFromEWKB(decode(:geom, 'hex')))"""), params)
            result["created"].append(f["id"])
        else:
            session.execute(text(f"""
                UPDATE grid_plan_feature SET {", ".join(f"{name} = :{name}" for name in columns)},
                       version = GREATEST(version + 1, :version), updated_at = now(),
                       geom = ST_GeomFromEWKB(decode(:geom, 'hex'))
                WHERE id = :id AND plan_id = :plan"""), params)
            result["changed"].append(f["id"])
    plans.record(session, plan, actor.name, direction, plan.status, plan.status, None,
                 {"of": edit.id, "op": edit.data["op"], "grids": edit.data.get("grids", [])})
    session.expire_all()
    return result


def _same(state: dict | None, expected: dict | None) -> bool:
    """The same feature in every kept field (the version moves on with every restore)."""
    if state is None or expected is None:
        return state is expected
    return all(state.get(name) == expected.get(name) for name in KEPT)
