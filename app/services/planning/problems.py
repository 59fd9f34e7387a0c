"""A plan's problems, as planners see them while they draw: everything geo.plan_check finds,
read from the plan, its area, the area's communities and buildings, and who else the
planned workers already answer for."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo.crs import MetricFrame
from ...geo.plan_check import (Buildings, Check, Communities, MappedSite, PlannedGrid, Problem, check_plan, percent,
                               sites_without_special_grid)
from ...messages import LANGUAGES, Both, Message, zh_punctuated
from ...models import GridPlan
from ..accounts.scope import Scope
from ..city import sites as site_kinds
from ..city.frame import city_utm
from ..layers.kept import Kept
from . import plans
from .division import ground_lines_in

COORDINATE_DECIMALS = 7


@dataclass
class PlanCheck:
    plan: GridPlan
    grids: list[PlannedGrid]
    check: Check
    # grid id -> its names and its worker's ({"name_zh", "name_en", "worker": {"code", "zh", "en"}})
    named: dict[int, dict] = field(default_factory=dict)
    # the database id of each building the check was given, by its place in the check's list
    building_ids: Sequence[int] = ()


def check(session: Session, plan_id: int, scope: Scope, rules) -> PlanCheck:
    plan = plans.load(session, plan_id, scope)
    return check_loaded(session, plan, rules)


def check_loaded(session: Session, plan: GridPlan, rules) -> PlanCheck:
    with _binary(session) as cursor:
        cursor.execute("""
            SELECT f.id, f.code, f.kind, c.code AS community, w.code AS worker, ST_AsBinary(f.geom),
                   f.name_zh, f.name_en, w.name_zh, w.name_en
            FROM grid_plan_feature f LEFT JOIN area c ON c.id = f.community_id
            LEFT JOIN worker w ON w.id = f.worker_id
            WHERE f.plan_id = %(plan)s ORDER BY f.code, f.id""", {"plan": plan.id})
        rows = cursor.fetchall()
        cursor.execute("SELECT ST_AsBinary(geom) FROM area WHERE id = %(area)s", {"area": plan.area_id})
        area = shapely.from_wkb(cursor.fetchone()[0])
    shapes = shapely.from_wkb([r[5] for r in rows]) if rows else []
    grids = [PlannedGrid(*r[:5], g) for r, g in zip(rows, shapes)]
    communities, buildings, lines, building_ids = _surroundings(session, plan.area_id, area)
    held_elsewhere = dict(session.execute(text("""
        SELECT w.code, count(*) FROM worker_assignment a
        JOIN worker w ON w.id = a.worker_id JOIN grid g ON g.id = a.grid_id
        WHERE a.valid_to IS NULL AND g.valid_to IS NULL
          AND NOT g.id = ANY(coalesce((SELECT base_grid_ids FROM grid_plan WHERE id = :plan), '{}'))
          -- once filed, the plan's grids are the current ones: not a second grid of their workers
          AND g.code NOT IN (SELECT code FROM grid_plan_feature WHERE plan_id = :plan)
          AND w.id IN (SELECT worker_id FROM grid_plan_feature WHERE plan_id = :plan)
        GROUP BY w.code"""), {"plan": plan.id}).all())
    # measured where every check of the city measures: in its UTM zone
    frame = MetricFrame(city_utm(session))
    result = check_plan(grids, area, communities, buildings, rules, frame, held_elsewhere, lines)
    result.problems += sites_without_special_grid(grids, _sites_in(session, plan.area_id), frame)
    named = {r[0]: {"name_zh": r[6], "name_en": r[7],
                    "worker": {"code": r[4], "zh": r[8], "en": r[9]} if r[4] else None} for r in rows}
    return PlanCheck(plan, grids, result, named, building_ids)


def _sites_in(session: Session, area_id: int) -> list[MappedSite]:
    """The mapped sites of the kinds the table names, lying mostly in the plan's area."""
    rows = session.execute(text("""
        SELECT s.kind, coalesce(s.name_zh, s.name), coalesce(s.name_en, s.name), ST_AsBinary(s.geom)
        FROM site s, area a
        WHERE a.id = :area AND s.kind = ANY(:kinds) AND s.geom && a.geom
          AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))
        ORDER BY s.id"""), {"area": area_id, "kinds": list(site_kinds.kind_codes())}).all()
    return [MappedSite(r[0], r[1], r[2], shapely.from_wkb(r[3])) for r in rows]


def _binary(session: Session):
    """A cursor of the session's own connection (its transaction) that receives geometries as
    bytes: in text, every WKB would cross as hex to be decoded again (half the reading time)."""
    return session.connection().connection.driver_connection.cursor(binary=True)


# Each process keeps the communities and buildings of the areas it checked last, for as long
# as those layers' versions stand: a planner's plan is checked after every edit.
_kept = Kept(size=4)


def forget_surroundings() -> None:
    _kept.clear()


def _surroundings(session: Session, area_id: int, area) -> tuple[Communities, Buildings, list, list[int]]:
    key = (area_id, *session.execute(text("""
        SELECT current_database(),
               (SELECT coalesce(sum(version), 0) FROM layer_version WHERE layer = 'area'),
               (SELECT coalesce(sum(version), 0) FROM layer_version WHERE layer = 'building'),
               (SELECT coalesce(sum(version), 0) FROM layer_version WHERE layer = 'road')""")).one())
    kept = _kept.get(key)
    if kept is not None:
        return kept
    communities = Communities.of({code: shapely.from_wkb(wkb) for code, wkb in session.execute(text(
        f"SELECT code, ST_AsBinary(geom) FROM area WHERE id IN ({plans.COMMUNITIES_UNDER})"),
        {"area": area_id})})
    with _binary(session) as cursor:
        # by bounding box only: a building outside the area lies in no grid and crosses none
        cursor.execute("""
            SELECT ST_AsBinary(b.geom), b.households, b.id FROM building b
            WHERE b.geom && (SELECT geom FROM area WHERE id = %(area)s) ORDER BY b.id""", {"area": area_id})
        rows = cursor.fetchall()
    buildings = Buildings.of(shapely.from_wkb([r[0] for r in rows]) if rows else [], [r[1] for r in rows])
    lines = ground_lines_in(session, area).lines
    building_ids = [r[2] for r in rows]
    _kept.put(key, (communities, buildings, lines, building_ids))
    return communities, buildings, lines, building_ids


def as_geojson(found: PlanCheck) -> dict:
    """The problems as a FeatureCollection (a map layer), each said in both languages, with
    each grid's households, names and worker."""
    workers = {g["worker"]["code"]: g["worker"] for g in found.named.values() if g["worker"]}
    features = []
    for n, problem in enumerate(found.check.problems):
        # rounded to ~1 cm like every layer; rounding the numbers only, so nothing collapses
        geometry = shapely.transform(problem.geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
        message = said(problem, workers)
        detail = dict(problem.detail)
        if "building" in detail:            # the check counts buildings by place; a client by id
            detail["building"] = found.building_ids[detail["building"]]
        features.append({"type": "Feature", "id": n + 1,
                         "geometry": mapping(geometry) if not geometry.is_empty else None,
                         "properties": {"kind": problem.kind, "blocking": problem.blocking,
                                        "message_zh": message.zh, "message_en": message.en,
                                        "grids": problem.grids, **detail}})
    by_kind: dict[str, int] = {}
    for problem in found.check.problems:
        by_kind[problem.kind] = by_kind.get(problem.kind, 0) + 1
    ground = found.check.on_ground
    return {"type": "FeatureCollection", "plan": found.plan.id, "version": found.plan.version,
            "status": found.plan.status, "blocking": len(found.check.blocking),
            "on_ground": {"share": ground.share, "interior_m": round(ground.interior_m, 1)} if ground else None,
            "counts": by_kind, "features": features,
            "grids": [{"id": g.id, "code": g.code, "kind": g.kind, "households": found.check.households.get(g.id, 0),
                       **found.named.get(g.id, {})} for g in found.grids]}


def said(problem: Problem, workers: dict[str, dict] | None = None) -> Both:
    """A problem in the catalogue's words (a worker by name); a finding the catalogue has no
    words for keeps the check's own, in Chinese punctuation."""
    try:
        message = _message(problem, workers or {})
    except (KeyError, IndexError, TypeError, ValueError):
        message = None
    if message is None:
        return Both(zh_punctuated(problem.message_zh), problem.message_en)
    return Both(*(message.say(language) for language in LANGUAGES))


def _m2(area: float) -> str:
    return f"{area:.2f}" if area < 1 else f"{area:.1f}"


def _share(grid: str, share: float, piece_m2: float | None) -> Message:
    """A grid's share of a cut building; a small piece with its square metres, which say
    more than a fraction of a percent."""
    if piece_m2 is not None and share < SMALL_SHARE:
        return Message("problem.share_small", grid=grid, share=percent(share), area=_m2(piece_m2))
    return Message("problem.share", grid=grid, share=percent(share))


SMALL_SHARE = 0.05


def _message(problem: Problem, workers: dict[str, dict]) -> Message | None:
    kind, detail, grids = problem.kind, problem.detail, problem.grids
    if kind == "invalid":
        crossing = detail["reason"].startswith(("Self-intersection", "Ring Self-intersection"))
        return Message("problem.invalid_crossing" if crossing else "problem.invalid", grid=grids[0],
                       reason=detail["reason"])
    if kind == "sliver":
        return Message("problem.sliver", grid=grids[0], area=f"{detail['area_m2']:.1f}")
    if kind == "overlap":
        return Message("problem.overlap", a=grids[0], b=grids[1], area=_m2(detail["area_m2"]))
    if kind == "gap":
        return Message("problem.gap", area=_m2(detail["area_m2"]))
    if kind == "edge":
        return Message("problem.edge", grid=grids[0])
    if kind == "no_community":
        return Message("problem.no_community", grid=grids[0])
    if kind == "outside":
        return Message("problem.outside", grid=grids[0], area=_m2(detail["area_m2"]),
                       community=detail["community"])
    if kind == "cut_building":
        shares = [_share(code, share, detail.get("pieces_m2", {}).get(code)) for code, share in detail["shares"].items()]
        return Message("problem.cut_building", households=detail["households"], shares=shares)
    if kind == "households":
        low, high = detail["range"]
        few = detail["households"] < low
        return Message("problem.households_few" if few else "problem.households_many", grid=grids[0],
                       households=detail["households"], low=low, high=high)
    if kind == "strip":
        return Message("problem.strip", grid=grids[0], ratio=f"{detail['ratio']:.1f}")
    if kind == "no_worker":
        return Message("problem.no_worker", grid=grids[0])
    if kind == "site_not_special":
        site = site_kinds.by_code().get(detail["site_kind"])
        what = Both(site.name_zh, site.name_en) if site else detail["site_kind"]
        named = Both(detail["site_zh"] or detail["site_en"] or "", detail["site_en"] or detail["site_zh"] or "")
        if not (detail["site_zh"] or detail["site_en"]):
            return Message("problem.site_not_special_unnamed", kind=what)
        return Message("problem.site_not_special", site=named, kind=what)
    if kind == "worker_many_grids":
        worker = workers.get(detail["worker"])
        name = Both(worker["zh"] or detail["worker"], worker["en"] or detail["worker"]) if worker else detail["worker"]
        return Message("problem.worker_many_grids", worker=name, count=detail["grid_count"])
    return None
