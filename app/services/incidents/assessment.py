"""Assessment (考核评估): per grid, worker, community, street or department, for a period, how
the closed loop went — and a star rating (星级网格) from those figures.

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

Departments (协同, tasks.py) are assessed on the same figures, over the same incidents (reported
in the period, in the reader's scope), attributed so that each case counts once and each task
for the department that held it:
- a case is the unit of the department that led it last (incident.department_id): after a
  transfer (转派), the department it went to; a case returned (退回) is no longer the returning
  department's — it is counted as that department's return, and becomes the unit of whichever
  department the dispatcher sends it on to (none, if it goes to a grid). Counts by status,
  escalations, extensions, on time (lateness.late, the case's own outcome: a department that
  takes a case over takes over its clock, which does not restart) and satisfaction (the
  residents' or call-back ratings) are of the cases it led so;
- response and resolution are the department's own, per lead task: accepted − given, of every
  lead task it accepted (one it later passed on too); finished − given, of the lead tasks it
  finished `done` (it resolved the case). Speed is the response against the category's limit,
  as for the others;
- returns and transfers: its lead tasks that ended `returned` and `transferred`;
- helped and help_ended: its helper tasks (协办) done, and ended with its part never done.
Stars as for the other units (star_score, stars_for); departments rank among themselves. A
department's staff see their own department's row only (figures as the city's ranking has them,
ranked among the rows they see, like every scoped reader).

Special grids (专属网格: a school, a hospital, a park carved out as a grid of its own) are ranked
among themselves, after the comprehensive grids: a school's cases are not a neighbourhood's, and
a comparison across them would say nothing of either. Each grid's row says its `kind`.
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

UNITS = ("grid", "worker", "community", "street", "department")
# figures only departments have (their tasks), in their rows only
DEPARTMENT_FIGURES = ("returns", "transfers", "helped", "help_ended")

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
    "grid": ("t.grid_id", "SELECT id, code, name_zh, name_en, kind FROM grid"),
    "community": ("t.community_id", "SELECT id, code, name_zh, name_en, NULL AS kind FROM area"),
    "street": ("t.street_id", "SELECT id, code, name_zh, name_en, NULL AS kind FROM area"),
    "worker": (_FIRST_WORKER, "SELECT id, code, name_zh, name_en, NULL AS kind FROM worker"),
    "department": ("t.department_id", "SELECT id, code, name_zh, name_en, NULL AS kind FROM department"),
}

# The incidents assessed — reported in the period, not merged away, in scope —, a row each,
# with `unit_id`: the unit it counts for.
_CASES = """
    SELECT t.id, {key} AS unit_id, t.status, t.escalations, {late} AS late, t.satisfaction,
           t.rated_by, t.extensions,
           extract(epoch FROM t.responded_at - t.reported_at) / 60 AS response_min,
           extract(epoch FROM t.resolved_at - t.reported_at) / 60 AS resolution_min,
           c.respond_within_min,
           {known} AS known
    FROM incident t JOIN category c ON c.code = t.category_code
    WHERE t.reported_at >= :start AND t.reported_at < :end AND t.merged_into_id IS NULL
      AND {condition}"""

# A department's facts: a row per case it led last (the case's outcome: status, on time,
# rating…), and a row per task it had in any case assessed (its own times, how the task
# ended), which names no case status. See the module's docstring.
_DEPARTMENT_FACTS = """
    SELECT c.unit_id, c.status, c.escalations, c.late, c.satisfaction, c.rated_by, c.extensions,
           NULL::float8 AS response_min, NULL::float8 AS resolution_min, c.respond_within_min, c.known,
           NULL AS role, NULL AS task_status
    FROM cases c WHERE c.unit_id IS NOT NULL
    UNION ALL
    SELECT k.department_id, NULL, NULL, NULL, NULL, NULL, NULL,
           CASE WHEN k.role = 'lead' THEN extract(epoch FROM k.accepted_at - k.given_at) / 60 END,
           CASE WHEN k.role = 'lead' AND k.status = 'done'
                THEN extract(epoch FROM k.finished_at - k.given_at) / 60 END,
           c.respond_within_min, NULL, k.role, k.status
    FROM incident_task k JOIN cases c ON c.id = k.incident_id"""

_DEPARTMENT_FIGURES = """,
                   count(*) FILTER (WHERE f.role = 'lead' AND f.task_status = 'returned') AS returns,
                   count(*) FILTER (WHERE f.role = 'lead' AND f.task_status = 'transferred') AS transfers,
                   count(*) FILTER (WHERE f.role = 'helper' AND f.task_status = 'done') AS helped,
                   count(*) FILTER (WHERE f.role = 'helper' AND f.task_status = 'ended') AS help_ended"""


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
    visit_coverage: float | None = None     # grids, with patrol: the share of houses visited (走访)
    rated_by_residents: int = 0             # of `rated`: by residents themselves, not a call-back
    extensions: int = 0                     # limits moved on, approved (延期): on time counts against them
    returns: int | None = None              # departments: lead tasks returned (退回)
    transfers: int | None = None            # … passed on to another department (转派)
    helped: int | None = None               # … helper tasks (协办) done
    help_ended: int | None = None           # … helper tasks ended with the part never done
    kind: str | None = None                 # grids: comprehensive | special, each ranked among its own

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__
                if (self.unit == "department" or k not in DEPARTMENT_FIGURES) and (self.unit == "grid" or k != "kind")}


def assess(session: Session, unit: str, start: datetime, end: datetime, scope: Scope,
           rules: AssessmentRules, now: datetime | None = None) -> list[Row]:
    """Every unit with incidents in the period, ranked best first; an open incident is judged
    as of the period's end or `now` (default: the real time), whichever comes first."""
    if unit not in UNITS:
        raise ValueError(f"unit is one of {', '.join(UNITS)}")
    key, names = _UNIT[unit]
    condition, params = scope.incidents(session, "t")
    cases = _CASES.format(key=key, late=lateness.late("t"), known=lateness.known("t"), condition=condition)
    if unit == "department":
        facts, extra = f"cases AS ({cases}), facts AS ({_DEPARTMENT_FACTS})", _DEPARTMENT_FIGURES
        # a department's staff see the cases it had a part in, and of the ranking its own row
        own = "WHERE figures.unit_id = :own_department" if scope.department_id is not None else ""
    else:
        facts, extra, own = f"facts AS ({cases})", "", ""
    rows = session.execute(text(f"""
        WITH {facts}
        , figures AS (
            -- count(f.status): a department's task rows are not incidents
            SELECT f.unit_id, count(f.status) AS incidents, sum(f.escalations) AS escalations,
                   jsonb_build_object({_BY_STATUS}) AS by_status,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f.response_min) AS median_response,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f.resolution_min) AS median_resolution,
                   count(*) FILTER (WHERE f.known) AS known,
                   count(*) FILTER (WHERE f.known AND NOT f.late) AS on_time,
                   avg(greatest(0, 1 - f.response_min / f.respond_within_min))
                       FILTER (WHERE f.response_min IS NOT NULL) AS speed,
                   avg(f.satisfaction) AS satisfaction, count(f.satisfaction) AS rated,
                   count(f.satisfaction) FILTER (WHERE f.rated_by = 'resident') AS rated_by_residents,
                   coalesce(sum(f.extensions), 0) AS extensions{extra}
            FROM facts f GROUP BY f.unit_id)
        SELECT u.code, u.name_zh, u.name_en, u.kind, figures.*
        FROM figures JOIN ({names}) u ON u.id = figures.unit_id {own}"""),
        {**params, "start": start, "end": end, "now": min(end, now or datetime.now(timezone.utc)),
         "own_department": scope.department_id}).mappings().all()
    assessed = [_row(unit, r, rules) for r in rows]
    assessed.sort(key=lambda r: (r.kind == "special", -(r.score if r.score is not None else -1),
                                 -(r.on_time_rate or 0), -r.incidents, r.code))
    ranks: dict[str | None, int] = {}
    ranked = []
    for r in assessed:
        ranks[r.kind] = ranks.get(r.kind, 0) + 1
        ranked.append(Row(**{**r.as_dict(), "rank": ranks[r.kind]}))
    return ranked


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
               _round(score, 3), stars, rated_by_residents=r["rated_by_residents"], extensions=int(r["extensions"]),
               kind=r["kind"], **{k: r[k] for k in DEPARTMENT_FIGURES if unit == "department"})


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


def with_visits(rows: list[Row], visited: dict[str, float | None]) -> list[Row]:
    """Grid rows joined with the share of each grid's registered houses visited in the same
    period (register.figures), beside patrol coverage."""
    return [Row(**{**r.as_dict(), "visit_coverage": visited.get(r.code)}) for r in rows]


def _round(value, digits: int = 1):
    return None if value is None else round(float(value), digits)


CSV_COLUMNS = ("rank", "unit", "code", "name_zh", "name_en", "kind", "stars", "score", "incidents",
               "known_outcomes", "on_time_rate", "median_response_min", "median_resolution_min",
               "speed", "satisfaction", "rated", "rated_by_residents", "extensions", "escalations", *(f"status_{s}" for s in STATUSES),
               "patrol_coverage", "patrol_rank", "visit_coverage")


def csv_columns(unit: str | None = None) -> tuple[str, ...]:
    """The CSV's columns: a department's own figures follow its extensions."""
    if unit != "department":
        return CSV_COLUMNS
    at = CSV_COLUMNS.index("extensions") + 1
    return CSV_COLUMNS[:at] + DEPARTMENT_FIGURES + CSV_COLUMNS[at:]


def as_csv(rows: list[Row], unit: str | None = None) -> str:
    """`unit`: the rows' (the columns are said even when there are no rows)."""
    columns = csv_columns(unit or (rows[0].unit if rows else None))
    return csvfile.table(columns, ([_cell(r, c) for c in columns] for r in rows))


def _cell(row: Row, column: str):
    status = column.removeprefix("status_")
    return row.by_status[status] if status != column else getattr(row, column)
