"""Assessment (考核评估): per grid, worker, community or street, for a period, how the closed
loop went — and a star rating (星级网格) from those figures.

Figures, over incidents reported in the period:
- counts by status, escalations;
- median response time (reported → accepted) and resolution time (reported → resolved), in minutes;
- on-time rate: of the incidents whose outcome is known (resolved, closed, or gone overdue),
  the share that never went overdue;
- speed: mean over responded incidents of max(0, 1 − response time ÷ the category's limit);
- satisfaction: the mean rating (1–5) of closed cases, and how many rated — residents through their
  private link, or an operator calling back a case that left no contact (ratings.py); how many of
  the ratings are the residents' own is counted beside it.

Stars: score = Σ weight × figure (on-time rate, speed, (satisfaction − 1) ÷ 4); figures a unit
lacks (no rating yet) leave the score to the others, reweighted. The score's thresholds give
5…1 stars; a unit with fewer than `min_incidents` known outcomes gets none. Weights,
thresholds and the minimum are configurable (config.AssessmentRules).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import csvfile
from ...config import AssessmentRules
from ...models import STATUSES
from ..accounts.scope import Scope
from . import lateness

UNITS = ("grid", "worker", "community", "street")

# Counted in the same pass as the other figures: PostGIS cannot estimate how many incidents a
# scope holds, and a second aggregate joined to the first was planned as a nested loop.
_BY_STATUS = ", ".join(f"'{s}', count(*) FILTER (WHERE f.status = '{s}')" for s in STATUSES)

# The worker answerable for an incident: the first one it was assigned to — by name
# (worker_id), or as the grid's worker when an operator sent it to the grid (assignee_id), as
# every resident's report is once out of triage.
_FIRST_WORKER = """(SELECT coalesce(e.data->>'worker_id', e.data->>'assignee_id')::int FROM incident_event e
                     WHERE e.incident_id = t.id AND e.action = 'assign'
                       AND (e.data ? 'worker_id' OR e.data ? 'assignee_id')
                     ORDER BY e.id LIMIT 1)"""

_UNIT = {
    "grid": ("t.grid_id", "SELECT id, code, name_zh, name_en FROM grid"),
    "community": ("t.community_id", "SELECT id, code, name_zh, name_en FROM area"),
    "street": ("t.street_id", "SELECT id, code, name_zh, name_en FROM area"),
    "worker": (_FIRST_WORKER, "SELECT id, code, name_zh, name_en FROM worker"),
}


@dataclass(frozen=True)
class Row:
    unit: str
    code: str
    name_zh: str
    name_en: str
    incidents: int
    by_status: dict[str, int]
    escalations: int
    median_response_min: float | None
    median_resolution_min: float | None
    on_time_rate: float | None
    speed: float | None
    satisfaction: float | None
    rated: int
    known_outcomes: int
    score: float | None = None
    stars: int | None = None
    rank: int | None = None
    patrol_coverage: float | None = None    # grids, when asked: the share of roads patrolled
    patrol_rank: int | None = None
    rated_by_residents: int = 0             # of `rated`: by residents themselves, not a call-back
    extensions: int = 0                     # limits moved on, approved (延期): on time counts against them

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def assess(session: Session, unit: str, start: datetime, end: datetime, scope: Scope,
           rules: AssessmentRules, now: datetime | None = None) -> list[Row]:
    """Every unit with incidents in the period, ranked best first; an open incident is judged
    as of the period's end or `now` (default: the real time), whichever comes first."""
    if unit not in UNITS:
        raise ValueError(f"unit is one of {', '.join(UNITS)}")
    key, names = _UNIT[unit]
    condition, params = scope.incidents(session, "t")
    rows = session.execute(text(f"""
        WITH facts AS (
            SELECT {key} AS unit_id, t.status, t.escalations, {lateness.late('t')} AS late, t.satisfaction,
                   t.rated_by, t.extensions,
                   extract(epoch FROM t.responded_at - t.reported_at) / 60 AS response_min,
                   extract(epoch FROM t.resolved_at - t.reported_at) / 60 AS resolution_min,
                   c.respond_within_min,
                   {lateness.known('t')} AS known
            FROM incident t JOIN category c ON c.code = t.category_code
            WHERE t.reported_at >= :start AND t.reported_at < :end AND t.merged_into_id IS NULL
              AND {condition})
        , figures AS (
            SELECT f.unit_id, count(*) AS incidents, sum(f.escalations) AS escalations,
                   jsonb_build_object({_BY_STATUS}) AS by_status,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f.response_min) AS median_response,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f.resolution_min) AS median_resolution,
                   count(*) FILTER (WHERE f.known) AS known,
                   count(*) FILTER (WHERE f.known AND NOT f.late) AS on_time,
                   avg(greatest(0, 1 - f.response_min / f.respond_within_min))
                       FILTER (WHERE f.response_min IS NOT NULL) AS speed,
                   avg(f.satisfaction) AS satisfaction, count(f.satisfaction) AS rated,
                   count(f.satisfaction) FILTER (WHERE f.rated_by = 'resident') AS rated_by_residents,
                   coalesce(sum(f.extensions), 0) AS extensions
            FROM facts f GROUP BY f.unit_id)
        SELECT u.code, u.name_zh, u.name_en, figures.*
        FROM figures JOIN ({names}) u ON u.id = figures.unit_id"""),
        {**params, "start": start, "end": end, "now": min(end, now or datetime.now(timezone.utc))}).mappings().all()
    assessed = [_row(unit, r, rules) for r in rows]
    assessed.sort(key=lambda r: (-(r.score if r.score is not None else -1),
                                 -(r.on_time_rate or 0), -r.incidents, r.code))
    return [Row(**{**r.as_dict(), "rank": i}) for i, r in enumerate(assessed, start=1)]


def _row(unit: str, r, rules: AssessmentRules) -> Row:
    known = r["known"]
    on_time = r["on_time"] / known if known else None
    speed = float(r["speed"]) if r["speed"] is not None else None
    satisfaction = float(r["satisfaction"]) if r["satisfaction"] is not None else None
    score = stars = None
    if known >= rules.min_incidents:
        score = star_score(on_time, speed, satisfaction, rules)
        stars = stars_for(score, rules)
    by_status = {s: int((r["by_status"] or {}).get(s, 0)) for s in STATUSES}
    return Row(unit, r["code"], r["name_zh"], r["name_en"], r["incidents"], by_status,
               int(r["escalations"] or 0), _round(r["median_response"]), _round(r["median_resolution"]),
               _round(on_time, 3), _round(speed, 3), _round(satisfaction, 2), r["rated"], known,
               _round(score, 3), stars, rated_by_residents=r["rated_by_residents"], extensions=int(r["extensions"]))


def star_score(on_time: float | None, speed: float | None, satisfaction: float | None,
               rules: AssessmentRules) -> float | None:
    figures = [(rules.weight_on_time, on_time), (rules.weight_speed, speed),
               (rules.weight_satisfaction, None if satisfaction is None else (satisfaction - 1) / 4)]
    present = [(w, v) for w, v in figures if v is not None and w > 0]
    total = sum(w for w, _ in present)
    return sum(w * v for w, v in present) / total if total else None


def stars_for(score: float | None, rules: AssessmentRules) -> int | None:
    if score is None:
        return None
    for stars, threshold in zip((5, 4, 3, 2), rules.star_thresholds):
        if score >= threshold:
            return stars
    return 1


def with_patrol(rows: list[Row], patrolled: list) -> list[Row]:
    """Grid rows joined with patrol coverage over the same period (field.patrol.Row): each
    grid's road coverage and its place in the patrol ranking of every grid in scope."""
    ranked = sorted(patrolled, key=lambda p: (-(p.road_coverage or 0), p.grid))
    by_grid = {p.grid: (p.road_coverage, rank) for rank, p in enumerate(ranked, start=1)}
    return [Row(**{**r.as_dict(), **dict(zip(("patrol_coverage", "patrol_rank"), by_grid.get(r.code, (None, None))))})
            for r in rows]


def _round(value, digits: int = 1):
    return None if value is None else round(float(value), digits)


CSV_COLUMNS = ("rank", "unit", "code", "name_zh", "name_en", "stars", "score", "incidents",
               "known_outcomes", "on_time_rate", "median_response_min", "median_resolution_min",
               "speed", "satisfaction", "rated", "rated_by_residents", "extensions", "escalations", *(f"status_{s}" for s in STATUSES),
               "patrol_coverage", "patrol_rank")


def as_csv(rows: list[Row]) -> str:
    return csvfile.table(CSV_COLUMNS, (
        [r.rank, r.unit, r.code, r.name_zh, r.name_en, r.stars, r.score, r.incidents,
         r.known_outcomes, r.on_time_rate, r.median_response_min,
         r.median_resolution_min, r.speed, r.satisfaction, r.rated, r.rated_by_residents, r.extensions, r.escalations,
         *(r.by_status[s] for s in STATUSES), r.patrol_coverage, r.patrol_rank] for r in rows))
