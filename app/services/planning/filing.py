"""Filing a plan (备案): the planned division becomes the current one on its effective date.

Nothing is overwritten. A grid the plan leaves exactly as it was keeps its row; every other
grid of the plan's area is closed (valid_to) and the planned ones are opened (valid_from),
so the division on any past date can still be read. The communities take the vertices their
new grids have on their outlines (share_vertices), so coverage stays exact. Then buildings,
open incidents and worker assignments follow the new lines, and what moved is listed; city
parts follow too."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo.plan_edits import as_multi
from ...geo.vertices import lacked_by, outline_vertices, take_vertices

from ...models import OPEN_STATUSES, Area, GridPlan, Incident
from ..incidents import loop as incidents
from ..incidents.responsibility import GRID_WORKER
from ..register import parts as city_parts
from . import division, plans
from .plans import PlanError


class DivisionMoved(PlanError):
    status, code = 409, "DivisionChanged"


class BadEffectiveDate(PlanError):
    status, code = 422, "InvalidEffectiveDate"


@dataclass
class Filed:
    effective_from: str
    grids_closed: list[str] = field(default_factory=list)
    grids_opened: list[str] = field(default_factory=list)
    grids_kept: int = 0
    buildings_moved: list[dict] = field(default_factory=list)      # building, from, to, households
    incidents_moved: list[dict] = field(default_factory=list)      # incident, from, to, assignee
    assignments: list[dict] = field(default_factory=list)          # worker, grid, change

    def summary(self) -> dict:
        return {**asdict(self), "households_moved": sum(b["households"] for b in self.buildings_moved)}


def check_base(session: Session, plan: GridPlan) -> None:
    """The plan was drawn over the current grids of its area; if another plan was filed since,
    filing this one would undo that one."""
    now = set(session.execute(text(f"""
        SELECT id FROM grid WHERE valid_to IS NULL AND community_id IN ({plans.COMMUNITIES_UNDER})"""),
        {"area": plan.area_id}).scalars())
    if now != set(plan.base_grid_ids or []):
        raise DivisionMoved("plan.division_moved")


def file(session: Session, plan: GridPlan, effective: datetime, actor: str) -> Filed:
    return file_together(session, [plan], effective, actor)[0]


def file_together(session: Session, plans_: list[GridPlan], effective: datetime, actor: str) -> list[Filed]:
    """Plans of areas side by side filed at one moment (an import's, one per top area): every
    plan's grids close before any plan's open, so two grids that trade codes across them never
    hold one code at once (a code is current once), in whichever order the plans come."""
    for plan in plans_:
        check_base(session, plan)
        _check_date(session, plan, effective)
    steps = [_close(session, plan, effective) for plan in plans_]
    for plan, (result, params) in zip(plans_, steps):
        share_vertices(session, plan.id, list(session.execute(text(
            "SELECT id FROM grid_plan_feature WHERE plan_id = :plan AND NOT id = ANY(:kept)"), params).scalars()))
    for result, params in steps:
        result.grids_opened = list(session.execute(text("""
            INSERT INTO grid (code, name_zh, name_en, kind, site_kind, community_id, plan_id, valid_from, geom)
            SELECT f.code, f.name_zh, f.name_en, f.kind, f.site_kind, f.community_id, f.plan_id, :at, f.geom
            FROM grid_plan_feature f WHERE f.plan_id = :plan AND NOT f.id = ANY(:kept)
            ORDER BY f.code
            RETURNING code"""), params).scalars())
    for plan, (result, params) in zip(plans_, steps):
        result.assignments = _assign_workers(session, plan, params)
        result.buildings_moved = _move_buildings(session, params)
        city_parts.place_in_grids(session, grid_ids=params["closing"])
    division.count_households(session)
    for plan, (result, params) in zip(plans_, steps):
        result.incidents_moved = _move_incidents(session, plan, params["closing"], effective, actor)
        session.execute(text("SELECT pg_notify('gridmap_stream', :body)"), {"body": json.dumps({
            "type": "division", "plan": plan.id, "effective_from": effective.isoformat(),
            "grids_closed": len(result.grids_closed), "grids_opened": len(result.grids_opened)})})
    return [result for result, _ in steps]


def _close(session: Session, plan: GridPlan, effective: datetime) -> tuple[Filed, dict]:
    """The plan's grids that change are closed (valid_to); those it leaves exactly as they were
    keep their rows, their names corrected in place (a name is not a boundary)."""
    result = Filed(effective.isoformat())
    params = {"plan": plan.id, "at": effective}
    kept = set(session.execute(text("""
        SELECT f.id FROM grid_plan_feature f JOIN grid g ON g.id = f.source_grid_id
        WHERE f.plan_id = :plan AND g.valid_to IS NULL AND g.code = f.code AND g.kind = f.kind
          AND g.site_kind IS NOT DISTINCT FROM f.site_kind
          AND g.community_id = f.community_id AND ST_Equals(g.geom, f.geom)"""), params).scalars())
    result.grids_kept = len(kept)
    params["kept"] = list(kept)
    session.execute(text("""
        UPDATE grid g SET name_zh = f.name_zh, name_en = f.name_en FROM grid_plan_feature f
        WHERE f.id = ANY(:kept) AND g.id = f.source_grid_id
          AND (g.name_zh, g.name_en) IS DISTINCT FROM (f.name_zh, f.name_en)"""), params)
    params["closing"] = list(session.execute(text("""
        SELECT id FROM grid WHERE id = ANY(:base) AND valid_to IS NULL
          AND id NOT IN (SELECT source_grid_id FROM grid_plan_feature WHERE id = ANY(:kept))"""),
        {**params, "base": list(plan.base_grid_ids)}).scalars())
    result.grids_closed = list(session.execute(text(
        "UPDATE grid SET valid_to = :at WHERE id = ANY(:closing) RETURNING code"), params).scalars())
    return result, params


def share_vertices(session: Session, plan_id: int, opening: list[int]) -> None:
    """The communities of the grids about to open (`opening`: the plan's features) take the
    vertices those grids have on their outlines, and so does every outline along those edges —
    the community next door, the street and the levels above, the other grids opening
    (geo.vertices). A grid line that follows a road to a community's edge between two of its
    corners ends there; without the vertex, the community and its grids would leave slivers
    between them, measured in metres.

    A stored grid never changes (its row is history): a vertex on the edge of a grid that stays
    current without it is not taken, and that edge stays as it was. Areas change in place: each
    gains a vertex where its edge already runs, moving by less than a centimetre."""
    if not opening:
        return
    rows = session.execute(text("""
        SELECT f.id, f.community_id, ST_AsBinary(f.geom) AS wkb, ST_AsBinary(c.geom) AS outline
        FROM grid_plan_feature f JOIN area c ON c.id = f.community_id
        WHERE f.plan_id = :plan AND f.community_id IN (
            SELECT community_id FROM grid_plan_feature WHERE id = ANY(:opening))
        ORDER BY f.id"""), {"plan": plan_id, "opening": opening}).all()
    if not rows:
        return
    shapes = dict(zip((r.id for r in rows), shapely.from_wkb([r.wkb for r in rows])))
    outlines = {r.community_id: r.outline for r in rows}
    found = [outline_vertices(shapely.from_wkb(wkb), [shapes[r.id] for r in rows if r.community_id == community])
             for community, wkb in outlines.items()]
    reach = {"reach": shapely.envelope(shapely.union_all(shapely.from_wkb(list(outlines.values())))).buffer(1e-6).wkt}
    # the grids staying current around them, with the vertices they have on their own
    # communities' outlines: a new grid across the line takes those too, and then the areas
    staying_rows = session.execute(text("""
        SELECT g.community_id, ST_AsBinary(g.geom) AS wkb, ST_AsBinary(c.geom) AS outline
        FROM grid g JOIN area c ON c.id = g.community_id
        WHERE g.valid_to IS NULL AND g.geom && ST_GeomFromText(:reach, 4326)"""), reach).all()
    staying = shapely.from_wkb([r.wkb for r in staying_rows]) if staying_rows else np.array([], dtype=object)
    for community in {r.community_id for r in staying_rows}:
        mine = [n for n, r in enumerate(staying_rows) if r.community_id == community]
        found.append(outline_vertices(shapely.from_wkb(staying_rows[mine[0]].outline), staying[mine]))
    vertices = np.unique(np.vstack(found), axis=0)
    if not len(vertices):
        return
    opened = [key for key in shapes if key in set(opening)]
    taken = take_vertices([shapes[k] for k in opened], vertices)
    for key, after in zip(opened, taken):
        if not shapely.equals_exact(shapes[key], after, 0):
            session.execute(text("UPDATE grid_plan_feature SET geom = ST_GeomFromWKB(:wkb, 4326) WHERE id = :id"),
                            {"wkb": shapely.to_wkb(as_multi(after)), "id": key})
    # an area takes only the vertices that every grid along its edge has too: those staying
    # current, and those opening (one whose edge passes a hair from a vertex it holds elsewhere
    # could not take it twice) — as geo.vertices.shared_vertices, which the plan check uses
    along = shapely.union_all(shapely.boundary(shapely.from_wkb(
        [*outlines.values(), *{r.outline for r in staying_rows}])))
    vertices = vertices[~lacked_by(vertices, [*staying, *taken], along)]
    areas = session.execute(text("""
        SELECT id, ST_AsBinary(geom) AS wkb FROM area WHERE geom && ST_GeomFromText(:reach, 4326)
        ORDER BY id"""), reach).all()
    if not len(vertices):
        return
    was = shapely.from_wkb([r.wkb for r in areas]) if areas else []
    for row, before, after in zip(areas, was, take_vertices(was, vertices)):
        if not shapely.equals_exact(before, after, 0):
            session.execute(text("UPDATE area SET geom = ST_GeomFromWKB(:wkb, 4326) WHERE id = :id"),
                            {"wkb": shapely.to_wkb(as_multi(after)), "id": row.id})
            held = session.identity_map.get(session.identity_key(Area, row.id))
            if held is not None:        # the session's own copy reads the new outline when asked
                session.expire(held, ["geom"])


def _check_date(session: Session, plan: GridPlan, effective: datetime) -> None:
    latest = session.execute(text("""
        SELECT max(t) FROM (
            SELECT valid_from AS t FROM grid WHERE id = ANY(:base)
            UNION ALL
            SELECT a.valid_from FROM worker_assignment a
            WHERE a.valid_to IS NULL AND (a.grid_id = ANY(:base)
               OR a.worker_id IN (SELECT worker_id FROM grid_plan_feature WHERE plan_id = :plan))) s"""),
        {"base": list(plan.base_grid_ids), "plan": plan.id}).scalar()
    if latest is not None and effective <= latest:
        raise BadEffectiveDate("plan.effective_too_early", {"latest": latest.isoformat()})


def _assign_workers(session: Session, plan: GridPlan, params: dict) -> list[dict]:
    """Each planned grid's full-time worker answers for its current row from the effective date;
    an assignment the plan does not keep ends then."""
    wanted = session.execute(text("""
        SELECT g.id AS grid_id, f.worker_id FROM grid_plan_feature f
        JOIN grid g ON g.valid_to IS NULL AND g.code = f.code
        WHERE f.plan_id = :plan"""), params).all()
    wanted_pairs = {(r.grid_id, r.worker_id) for r in wanted if r.worker_id}
    held = session.execute(text("""
        SELECT a.id, a.grid_id, a.worker_id, w.code AS worker, g.code AS grid
        FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
        LEFT JOIN grid g ON g.id = a.grid_id
        WHERE a.valid_to IS NULL AND w.role = 'full_time' AND (
            a.grid_id = ANY(:closing) OR a.grid_id IN (
                SELECT g2.id FROM grid g2 JOIN grid_plan_feature f ON f.source_grid_id = g2.id
                WHERE f.id = ANY(:kept)))"""), params).all()
    changes = []
    for row in held:
        if (row.grid_id, row.worker_id) in wanted_pairs:
            wanted_pairs.discard((row.grid_id, row.worker_id))
            continue
        session.execute(text("UPDATE worker_assignment SET valid_to = :at WHERE id = :id"),
                        {"at": params["at"], "id": row.id})
        changes.append({"worker": row.worker, "grid": row.grid, "change": "ended"})
    codes = dict(session.execute(text("SELECT id, code FROM grid WHERE id = ANY(:ids)"),
                                 {"ids": [g for g, _ in wanted_pairs]}).all())
    workers = dict(session.execute(text("SELECT id, code FROM worker WHERE id = ANY(:ids)"),
                                   {"ids": [w for _, w in wanted_pairs]}).all())
    for grid_id, worker_id in sorted(wanted_pairs):
        session.execute(text("""
            INSERT INTO worker_assignment (worker_id, grid_id, valid_from) VALUES (:w, :g, :at)"""),
            {"w": worker_id, "g": grid_id, "at": params["at"]})
        changes.append({"worker": workers[worker_id], "grid": codes[grid_id], "change": "began"})
    return changes


def _move_buildings(session: Session, params: dict) -> list[dict]:
    """Buildings of the closed grids (and any that had none) go to the current grid holding
    their point on surface."""
    rows = session.execute(text("""
        WITH target AS (
            SELECT b.id, b.grid_id AS old, (
                SELECT g.id FROM grid g WHERE g.valid_to IS NULL AND g.geom && b.geom
                  AND ST_Contains(g.geom, ST_PointOnSurface(b.geom)) ORDER BY g.id LIMIT 1) AS new
            FROM building b
            WHERE b.grid_id = ANY(:closing)
               OR (b.grid_id IS NULL AND EXISTS (
                   SELECT 1 FROM grid_plan_feature f WHERE f.plan_id = :plan AND f.geom && b.geom)))
        UPDATE building b SET grid_id = t.new FROM target t
        WHERE b.id = t.id AND t.new IS DISTINCT FROM t.old
        RETURNING b.id, b.households, t.old, t.new"""), params).all()
    codes = dict(session.execute(text("SELECT id, code FROM grid WHERE id = ANY(:ids)"),
                                 {"ids": list({r.old for r in rows} | {r.new for r in rows} - {None})}).all())
    moved = [{"building": r.id, "from": codes.get(r.old), "to": codes.get(r.new), "households": r.households}
             for r in rows]
    # a building whose grid was only renumbered has not moved for anyone who lives there
    return [m for m in moved if m["from"] != m["to"]]


def _move_incidents(session: Session, plan: GridPlan, closing: list[int], effective: datetime,
                    actor: str) -> list[dict]:
    """Open incidents of the closed grids go to the grid that now holds them; one waiting on
    the old grid's worker goes to the new grid's worker. Each move is an event (and so reaches
    the live stream)."""
    rows = session.execute(text(f"""
        SELECT i.id, old.code AS old_code, new.id AS new_id, new.code AS new_code,
               new.community_id, c.parent_id AS street_id,
               ({GRID_WORKER.format(grid='new.id')}) AS new_worker,
               ({GRID_WORKER.format(grid='old.id')}) AS old_worker
        FROM incident i JOIN grid old ON old.id = i.grid_id
        LEFT JOIN LATERAL (
            SELECT g.id, g.code, g.community_id FROM grid g
            WHERE g.valid_to IS NULL AND g.geom && i.geom AND ST_Intersects(g.geom, i.geom)
            ORDER BY g.id LIMIT 1) new ON true
        LEFT JOIN area c ON c.id = new.community_id
        WHERE i.grid_id = ANY(:closing) AND i.status = ANY(:open)
        ORDER BY i.id"""), {"closing": closing, "open": list(OPEN_STATUSES)}).all()
    by = incidents.Participant(actor, dispatcher=True)
    moved = []
    for row in rows:
        incident = session.get(Incident, row.id, with_for_update=True)
        incident.grid_id = row.new_id
        if row.new_id is not None:
            incident.community_id, incident.street_id = row.community_id, row.street_id
        assignee = incident.assignee_id
        if incident.level == "grid" and assignee == row.old_worker:
            incident.assignee_id = row.new_worker
        incidents.record_step(session, incident, "regrid", by, None, effective,
                              note=f"Plan {plan.id} filed: grid {row.old_code} → {row.new_code or '—'}",
                              data={"plan": plan.id, "from": row.old_code, "to": row.new_code})
        moved.append({"incident": incident.code, "from": row.old_code, "to": row.new_code,
                      "assignee_changed": incident.assignee_id != assignee})
    return moved
