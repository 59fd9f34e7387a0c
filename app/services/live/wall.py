"""What the command-center wall shows beside the map: today's counts for the whole area and per
street and community, the load on each grid (open and overdue incidents, which shades it), and
the overdue list — one round trip each, scoped like everything else."""
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
    condition, params = scope.condition(session, "t")
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


def grid_load(session: Session, scope: Scope) -> dict[str, dict]:
    """Open and overdue incidents per current grid: {grid code: {"open": n, "overdue": n}}."""
    condition, params = scope.condition(session, "t")
    rows = session.execute(text(f"""
        SELECT g.code, count(*) AS open, count(*) FILTER (WHERE {lateness.overdue('t', 'now()')}) AS overdue
        FROM incident t JOIN grid g ON g.id = t.grid_id
        WHERE {_OPEN} AND t.merged_into_id IS NULL AND {condition}
        GROUP BY g.code"""), params).all()
    return {code: {"open": n_open, "overdue": n_overdue} for code, n_open, n_overdue in rows}
