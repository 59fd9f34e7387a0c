"""What the command-center wall shows beside the map: today's counts for the whole area and per
street and community, the load on each grid (open and overdue incidents, which shades it), the
requests waiting for the dispatcher's decision and who sent cases back and why — one round trip
each, scoped like everything else."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import OPEN_STATUSES
from ..accounts.scope import Scope
from ..incidents import lateness

_OPEN = f"t.status IN {OPEN_STATUSES}"

# reported today / open now / overdue now / closed today, for any grouping of incidents
_COUNTS = f"""
    count(*) FILTER (WHERE t.reported_at >= :day_start) AS reported,
    count(*) FILTER (WHERE {_OPEN}) AS open,
    count(*) FILTER (WHERE {lateness.overdue('t', 'now()')}) AS overdue,
    count(*) FILTER (WHERE t.closed_at >= :day_start) AS closed"""

# incidents that matter today: still open, or touched since the day began
_TODAY = f"""t.merged_into_id IS NULL AND ({_OPEN} OR t.reported_at >= :day_start
                                            OR t.closed_at >= :day_start)"""


@dataclass(frozen=True)
class Counts:
    reported: int
    open: int
    overdue: int
    closed: int

    def as_dict(self) -> dict:
        return {"reported": self.reported, "open": self.open, "overdue": self.overdue,
                "closed": self.closed}


def today(session: Session, scope: Scope, day_start: datetime) -> dict:
    """{"total": counts, "streets": [...], "communities": [...]}, each area with its names."""
    condition, params = scope.incidents(session, "t")
    params = {**params, "day_start": day_start}
    total = session.execute(text(f"SELECT {_COUNTS} FROM incident t WHERE {_TODAY} AND {condition}"),
                            params).one()
    areas = session.execute(text(f"""
        SELECT a.level, a.code, a.name_zh, a.name_en, {_COUNTS}
        FROM incident t JOIN area a ON a.id IN (t.street_id, t.community_id)
        WHERE {_TODAY} AND {condition}
        GROUP BY a.level, a.code, a.name_zh, a.name_en
        ORDER BY a.level, count(*) FILTER (WHERE {_OPEN}) DESC, a.code"""), params).mappings().all()
    shaped = {"street": [], "community": []}
    for row in areas:
        shaped[row["level"]].append({
            "code": row["code"], "name": {"zh": row["name_zh"], "en": row["name_en"]},
            **Counts(row["reported"], row["open"], row["overdue"], row["closed"]).as_dict()})
    return {"total": Counts(*total).as_dict(), "streets": shaped["street"],
            "communities": shaped["community"]}


# Grids shaded in this many classes of today's load: with fixed bounds (1–2, 3–5, 6+) a busy
# city painted every grid the same red, and a quiet one every grid the same blue.
LOAD_CLASSES = 5


def grid_load(session: Session, scope: Scope, day_start: datetime) -> dict:
    """Today's load per current grid — incidents open now or reported today — with its open
    and overdue ones, and the class bounds: quantiles of the loads of every grid in scope
    (quiet grids included), so the shading tells grids apart whatever the day. {"grids":
    {code: {"load", "open", "overdue"}}, "breaks": [the lowest load of each class above the
    first]}."""
    condition, params = scope.incidents(session, "t")
    grid_condition, grid_params = scope.condition(session, "g")
    rows = session.execute(text(f"""
        WITH loads AS (
            SELECT t.grid_id, count(*) AS load, count(*) FILTER (WHERE {_OPEN}) AS open,
                   count(*) FILTER (WHERE {lateness.overdue('t', 'now()')}) AS overdue
            FROM incident t
            WHERE t.merged_into_id IS NULL AND ({_OPEN} OR t.reported_at >= :day_start)
              AND t.grid_id IS NOT NULL AND {condition}
            GROUP BY t.grid_id)
        SELECT g.code, coalesce(l.load, 0) AS load, coalesce(l.open, 0) AS open,
               coalesce(l.overdue, 0) AS overdue
        FROM grid g LEFT JOIN loads l ON l.grid_id = g.id
        WHERE g.valid_to IS NULL AND (l.grid_id IS NOT NULL OR {grid_condition})"""),
        {**params, **grid_params, "day_start": day_start}).all()
    loads = sorted(r.load for r in rows)
    return {"grids": {r.code: {"load": r.load, "open": r.open, "overdue": r.overdue} for r in rows if r.load},
            "breaks": quantile_breaks(loads, LOAD_CLASSES)}


def quantile_breaks(values: list[int], classes: int) -> list[int]:
    """The lowest value of each class above the first, cutting sorted `values` into `classes`
    groups of (nearly) equal size; a value never starts two classes, and 0 is always a class
    of its own (a grid with nothing today looks quiet, not "low")."""
    positive = [v for v in values if v > 0]
    breaks: list[int] = [1] if positive else []
    for k in range(1, classes - 1):
        if not positive:
            break
        value = positive[min(len(positive) - 1, (k * len(positive)) // (classes - 1))]
        if value > breaks[-1]:
            breaks.append(value)
    return breaks


_NAMED = "json_build_object('code', {0}.code, 'zh', {0}.name_zh, 'en', {0}.name_en)"
# the department of the account that took a step ("user:<username>"), if it works for one
_ACTOR_DEPARTMENT = f"""(SELECT {_NAMED.format('d')} FROM app_user u JOIN department d ON d.id = u.department_id
                          WHERE e.actor = 'user:' || u.username)"""


def waiting_requests(session: Session, scope: Scope, limit: int) -> dict:
    """The requests to suspend a case or extend its limit (挂起 / 延期, services/incidents/
    requests.py) waiting for a decision, the longest waiting first: each with its case, what is
    asked and why in the asker's words, who asked — by name, with their department when they
    work for one — and when. {"total", "items"}."""
    condition, params = scope.incidents(session, "t")
    waiting = f"""FROM incident_request r JOIN incident t ON t.id = r.incident_id
                  WHERE r.status = 'pending' AND {condition}"""
    total = session.execute(text(f"SELECT count(*) {waiting}"), params).scalar_one()
    rows = session.execute(text(f"""
        SELECT t.id, t.code, t.address, r.kind, r.reason, r.until, r.asked_at,
               (SELECT json_build_object('zh', c.name_zh, 'en', c.name_en) FROM category c
                 WHERE c.code = t.category_code) AS category_name,
               (SELECT json_build_object('zh', g.name_zh, 'en', g.name_en) FROM grid g
                 WHERE g.id = t.grid_id) AS grid_name,
               (SELECT e.note FROM incident_event e WHERE e.id = r.asked_event_id) AS note,
               (SELECT gridmap_actor(e.actor) FROM incident_event e WHERE e.id = r.asked_event_id) AS by,
               (SELECT {_ACTOR_DEPARTMENT} FROM incident_event e WHERE e.id = r.asked_event_id) AS department
        {waiting}
        ORDER BY r.asked_at, r.id LIMIT :limit"""), {**params, "limit": limit}).mappings().all()
    return {"total": total, "items": [
        {**{k: r[k] for k in ("id", "code", "category_name", "grid_name", "address", "kind", "reason",
                              "note", "by", "department")},
         "until": _iso(r["until"]), "asked_at": _iso(r["asked_at"])} for r in rows]}


def returns(session: Session, incident_ids: list[int]) -> dict[int, dict]:
    """Who sent each of these cases back (退回) the last time, and why: the department, the
    person by name, the reason and their words, and when. {incident id: {...}}."""
    rows = session.execute(text(f"""
        SELECT DISTINCT ON (e.incident_id) e.incident_id, e.at, e.note, e.data->>'reason' AS reason,
               gridmap_actor(e.actor) AS by,
               coalesce((SELECT {_NAMED.format('d')} FROM department d WHERE d.code = e.data->>'from_department'),
                        {_ACTOR_DEPARTMENT}) AS department
        FROM incident_event e
        WHERE e.incident_id = ANY(:ids) AND e.action = 'return'
        ORDER BY e.incident_id, e.id DESC"""), {"ids": list(incident_ids)}).mappings().all()
    return {r["incident_id"]: {"at": _iso(r["at"]), "by": r["by"], "department": r["department"],
                               "reason": r["reason"], "note": r["note"]} for r in rows}


def extent(session: Session, scope: Scope) -> list[float] | None:
    """The bounding box [west, south, east, north] of what the wall watches: the scope's own
    shape, or a whole-city scope's city. The map opens on it and asks for no tile beyond it, so
    it is known before any layer is: one small read, not the grids (6,400 of them in a city)."""
    if scope.everything:
        shape, params = "(SELECT ST_Extent(geom) FROM area WHERE parent_id IS NULL)", {}
    else:
        ewkb = scope.geometry(session)
        if ewkb is None:
            return None
        shape, params = "ST_GeomFromEWKB(:scope_geom)", {"scope_geom": ewkb}
    row = session.execute(text(f"""SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
                                   FROM (SELECT {shape}::box2d) s(e)"""), params).one()
    return None if row[0] is None else [round(v, 7) for v in row]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
