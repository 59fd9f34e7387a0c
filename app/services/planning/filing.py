"""Filing a plan (备案): the planned division becomes the current one on its effective date.

Nothing is overwritten. A grid the plan leaves exactly as it was keeps its row; every other
grid of the plan's area is closed (valid_to) and the planned ones are opened (valid_from),
so the division on any past date can still be read. Then buildings, open incidents and
worker assignments follow the new lines, and what moved is listed; city parts follow too."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import OPEN_STATUSES, GridPlan, Incident
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
    check_base(session, plan)
    _check_date(session, plan, effective)
    result = Filed(effective.isoformat())
    params = {"plan": plan.id, "at": effective}
    kept = set(session.execute(text("""
        SELECT f.id FROM grid_plan_feature f JOIN grid g ON g.id = f.source_grid_id
        WHERE f.plan_id = :plan AND g.valid_to IS NULL AND g.code = f.code AND g.kind = f.kind
          AND g.community_id = f.community_id AND ST_Equals(g.geom, f.geom)"""), params).scalars())
    result.grids_kept = len(kept)
    params["kept"] = list(kept)
    # names may be corrected in place: a name is not a boundary
    session.execute(text("""
        UPDATE grid g SET name_zh = f.name_zh, name_en = f.name_en FROM grid_plan_feature f
        WHERE f.id = ANY(:kept) AND g.id = f.source_grid_id
          AND (g.name_zh, g.name_en) IS DISTINCT FROM (f.name_zh, f.name_en)"""), params)
    closing = list(session.execute(text("""
        SELECT id FROM grid WHERE id = ANY(:base) AND valid_to IS NULL
          AND id NOT IN (SELECT source_grid_id FROM grid_plan_feature WHERE id = ANY(:kept))"""),
        {**params, "base": list(plan.base_grid_ids)}).scalars())
    params["closing"] = closing
    result.grids_closed = list(session.execute(text(
        "UPDATE grid SET valid_to = :at WHERE id = ANY(:closing) RETURNING code"), params).scalars())
    opened = session.execute(text("""
        INSERT INTO grid (code, name_zh, name_en, kind, community_id, plan_id, valid_from, geom)
        SELECT f.code, f.name_zh, f.name_en, f.kind, f.community_id, f.plan_id, :at, f.geom
        FROM grid_plan_feature f WHERE f.plan_id = :plan AND NOT f.id = ANY(:kept)
        ORDER BY f.code
        RETURNING id, code"""), params).all()
    result.grids_opened = [code for _, code in opened]
    result.assignments = _assign_workers(session, plan, params)
    result.buildings_moved = _move_buildings(session, params)
    city_parts.place_in_grids(session, grid_ids=closing)
    division.count_households(session)
    result.incidents_moved = _move_incidents(session, plan, closing, effective, actor)
    session.execute(text("SELECT pg_notify('gridmap_stream', :body)"), {"body": json.dumps({
        "type": "division", "plan": plan.id, "effective_from": effective.isoformat(),
        "grids_closed": len(result.grids_closed), "grids_opened": len(result.grids_opened)})})
    return result


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
