"""Grid plans (网格划分方案): starting one from the current grids of an area, reading it, and
the rules every change to it shares — who may see it, when it may be edited, and the feature
versions that keep two planners from overwriting each other."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...geo.partition import GRID_SIZE, clean_coverage
from ...geo.plan_edits import as_multi
from ...messages import Said, plan_status_name
from ...models import Area, GridPlan, GridPlanEvent, GridPlanFeature
from ..accounts.scope import Scope
from ..incidents.responsibility import GRID_WORKER

EDITABLE = ("draft", "rejected")
# The communities under an area of any level (an area that is a community is its own).
COMMUNITIES_UNDER = """
    WITH RECURSIVE under AS (
        SELECT id, level FROM area WHERE id = :area
        UNION ALL
        SELECT a.id, a.level FROM area a JOIN under u ON a.parent_id = u.id)
    SELECT id FROM under WHERE level = 'community'"""


class PlanError(Said):
    """A refusal: a catalogue key and its blanks (`params`, app/messages.py), and `detail`,
    more fields of the answer (`field`, `errors`, `current`…)."""
    status = 400
    code = "PlanError"

    def __init__(self, key: str, params: dict | None = None, /, **detail):
        super().__init__(key, **(params or {}))
        self.detail = detail


class NotFound(PlanError):
    status, code = 404, "NotFound"


class NotEditable(PlanError):
    status, code = 409, "NotEditable"


class InvalidEdit(PlanError):
    status, code = 422, "InvalidEdit"


class VersionRequired(PlanError):
    status, code = 428, "PreconditionRequired"


class Stale(PlanError):
    """Someone changed a feature since the client read it: `current` holds what it is now."""

    status, code = 412, "PreconditionFailed"


@dataclass(frozen=True)
class Actor:
    name: str                   # "user:alice"
    user_id: int | None
    scope: Scope


def feature_etag(feature_id: int, version: int) -> str:
    return f'"pf{feature_id}-{version}"'


def version_from_etag(value: str | None, feature_id: int) -> int | None:
    """The version an If-Match names, or None when it names no version of this feature."""
    if not value:
        return None
    tag = value.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    prefix = f"pf{feature_id}-"
    if not tag.startswith(prefix) or not tag[len(prefix):].isdigit():
        return None
    return int(tag[len(prefix):])


# -- starting a plan -------------------------------------------------------------------------

def start(session: Session, area_code: str, name: str, actor: Actor, note: str | None = None) -> GridPlan:
    """A draft holding a copy of the current grids of the area (a community, street, district
    or the city), each with its full-time worker. The current grids are untouched."""
    area = area_in_scope(session, area_code, actor.scope)
    name = (name or "").strip() or f"{area.name_zh} 网格调整 / {area.name_en} grid revision"
    plan = GridPlan(name=name[:200], area_id=area.id, status="draft", note=note, created_by=actor.user_id)
    session.add(plan)
    session.flush()
    session.execute(text(f"""
        INSERT INTO grid_plan_feature (plan_id, source_grid_id, code, name_zh, name_en, kind, site_kind,
                                       community_id, worker_id, geom)
        SELECT :plan, g.id, g.code, g.name_zh, g.name_en, g.kind, g.site_kind, g.community_id,
               ({GRID_WORKER.format(grid='g.id')}), g.geom
        FROM grid g WHERE g.valid_to IS NULL AND g.community_id IN ({COMMUNITIES_UNDER})
        ORDER BY g.code"""), {"plan": plan.id, "area": area.id})
    plan.base_grid_ids = list(session.execute(text(
        "SELECT source_grid_id FROM grid_plan_feature WHERE plan_id = :plan ORDER BY source_grid_id"),
        {"plan": plan.id}).scalars())
    fit_all(session, plan)
    record(session, plan, actor.name, "created", None, "draft", note)
    return plan


def area_in_scope(session: Session, code: str, scope: Scope) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None or not scope.holds(session, "area", area.id):
        raise NotFound("plan.no_area", {"code": code})
    return area


# -- reading ---------------------------------------------------------------------------------

def load(session: Session, plan_id: int, scope: Scope, lock: bool = False) -> GridPlan:
    query = select(GridPlan).where(GridPlan.id == plan_id)
    if lock:
        query = query.with_for_update()
    plan = session.scalar(query)
    if plan is None or not scope.holds(session, "area", plan.area_id):
        raise NotFound("plan.not_found", {"id": plan_id})
    return plan


def editable(session: Session, plan_id: int, scope: Scope) -> GridPlan:
    """The plan, locked for a change: only drafts (and rejected plans being revised) change."""
    plan = load(session, plan_id, scope, lock=True)
    if plan.status not in EDITABLE:
        raise NotEditable("plan.not_editable", {"id": plan.id, "status": plan_status_name(plan.status)})
    return plan


def features_of(session: Session, plan_id: int, ids: Iterable[int] | None = None,
                lock: bool = False) -> list[GridPlanFeature]:
    query = select(GridPlanFeature).where(GridPlanFeature.plan_id == plan_id)
    if ids is not None:
        query = query.where(GridPlanFeature.id.in_(list(ids)))
    query = query.order_by(GridPlanFeature.code, GridPlanFeature.id)
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def check_versions(features: list[GridPlanFeature], expected: dict[int, int | None],
                   feature_json) -> None:
    """Every feature an edit changes must come with the version the client read; a missing
    one is 428, a stale one 412 with what the feature is now."""
    missing = [f.id for f in features if expected.get(f.id) is None]
    if missing:
        raise VersionRequired("plan.version_required", {"features": missing}, features=missing)
    stale = [f for f in features if expected[f.id] != f.version]
    if stale:
        raise Stale("plan.stale", {"features": [f.id for f in stale]},
                    current=[feature_json(f) for f in stale])


def geometry_of(feature: GridPlanFeature):
    return to_shape(feature.geom)


def touch(plan: GridPlan, features: Iterable[GridPlanFeature], now: datetime | None = None) -> None:
    """A change: each feature and the plan get a new version."""
    for feature in features:
        feature.version += 1
        if now is not None:
            feature.updated_at = now
    plan.version += 1


def record(session: Session, plan: GridPlan, actor: str, action: str, from_status: str | None,
           to_status: str | None, note: str | None = None, data: dict | None = None,
           map_html: str | None = None) -> GridPlanEvent:
    event = GridPlanEvent(plan_id=plan.id, actor=actor, action=action, from_status=from_status,
                          to_status=to_status, note=note, data=data or None, map_html=map_html)
    session.add(event)
    session.flush()
    return event


def neighbours(session: Session, plan_id: int, geoms, exclude: Iterable[int]) -> list[GridPlanFeature]:
    """The plan's features that touch any of these shapes (to give them matching vertices)."""
    reach = shapely.union_all(list(geoms))
    if reach.is_empty:
        return []
    return list(session.scalars(
        select(GridPlanFeature).where(
            GridPlanFeature.plan_id == plan_id, GridPlanFeature.id.not_in(list(exclude) or [0]),
            text("grid_plan_feature.geom && ST_Expand(ST_GeomFromText(:reach, 4326), 1e-6)")
        ).params(reach=shapely.envelope(reach).wkt).with_for_update()))


def fit_all(session: Session, plan: GridPlan) -> None:
    """Copied grids of neighbouring communities were cut apart and may not share vertices
    along the community line; the plan starts as one coverage (partition.clean_coverage)."""
    copied = features_of(session, plan.id)
    shapes = {f.id: to_shape(f.geom) for f in copied}
    if not all(g.is_valid for g in shapes.values()):
        return
    cleaned = clean_coverage([shapely.set_precision(g, GRID_SIZE) for g in shapes.values()])
    fitted = {key: as_multi(geom) for key, geom in zip(shapes, cleaned)}
    for feature in copied:
        if not shapely.equals_exact(fitted[feature.id], shapes[feature.id], 0):
            feature.geom = from_shape(fitted[feature.id], 4326)
    session.flush()


def summary(session: Session, plan: GridPlan) -> dict:
    """The plan's header: counts for lists and the review record."""
    counts = session.execute(text("""
        SELECT count(*), count(*) FILTER (WHERE worker_id IS NULL AND kind = 'comprehensive')
        FROM grid_plan_feature WHERE plan_id = :plan"""), {"plan": plan.id}).one()
    area = session.execute(text("SELECT code, name_zh, name_en, level FROM area WHERE id = :id"),
                           {"id": plan.area_id}).one()
    return {"id": plan.id, "name": plan.name, "status": plan.status, "version": plan.version,
            "area": {"code": area.code, "name_zh": area.name_zh, "name_en": area.name_en, "level": area.level},
            "grids": counts[0], "without_worker": counts[1], "note": plan.note,
            "created_at": _iso(plan.created_at), "submitted_at": _iso(plan.submitted_at),
            "reviewed_at": _iso(plan.reviewed_at), "filed_at": _iso(plan.filed_at),
            "effective_from": _iso(plan.effective_from), "collection": f"plan-{plan.id}",
            "editable": plan.status in EDITABLE}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def visible(session: Session, scope: Scope, status: str | None = None, area: str | None = None) -> list[GridPlan]:
    """Plans the user may see, newest first, optionally of one status or under one area."""
    query = select(GridPlan).order_by(GridPlan.id.desc())
    if status:
        query = query.where(GridPlan.status == status)
    if area:
        query = query.where(GridPlan.area_id.in_(select(Area.id).where(Area.code == area)))
    return [p for p in session.scalars(query) if scope.holds(session, "area", p.area_id)]


def listing(session: Session, scope: Scope, status: str | None = None, area: str | None = None) -> list[dict]:
    return [summary(session, p) for p in visible(session, scope, status, area)]


def current_grids(session: Session, scope: Scope) -> list[dict]:
    """The current grids the user may see, each with its names and its full-time worker by
    name: what a plan starts from."""
    condition, params = scope.condition(session, "g")
    rows = session.execute(text(f"""
        SELECT g.id, g.code, g.name_zh, g.name_en, w.code AS worker, w.name_zh AS worker_zh, w.name_en AS worker_en
        FROM grid g LEFT JOIN worker w ON w.id = ({GRID_WORKER.format(grid='g.id')})
        WHERE g.valid_to IS NULL AND {condition} ORDER BY g.code"""), params)
    return [{"id": r.id, "code": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
             "worker": {"code": r.worker, "zh": r.worker_zh, "en": r.worker_en} if r.worker else None}
            for r in rows]
