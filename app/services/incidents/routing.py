"""Routing rules (分流): which body handles a case — its grid (小事不出网格), a department
(市政 for a broken road, 城管执法 for illegal building, the 物业 for a leaking pipe, 调解 for a
dispute), or both (the department repairs, the grid's worker checks on site).

A rule names a category, an area (a street or a community) and a severity, each of which may
be left empty for "any". The rule for a case is the most specific one in force: a category
named beats any category, then a community beats its street beats anywhere, then a severity
named beats any. No rule: the grid, as before there were departments.

Rules are data (gis_data/routing.csv at setup; the admin API to edit them). An edit never
changes a rule in place: it ends the rule in force (valid_to) and starts its successor, so
the rules that held on any day are kept, with who changed them and why.
"""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Message
from ...models import HANDLINGS, SEVERITIES
from . import loop     # its errors; loop asks `decide` at a report's first dispatch

CACHE_SECONDS = 30          # each process asks again this often; an edit clears its own at once


@dataclass(frozen=True)
class Rule:
    id: int
    category: str | None
    area_id: int | None
    area_code: str | None
    severity: str | None
    handling: str
    department_id: int | None
    department_code: str | None
    valid_from: datetime
    valid_to: datetime | None
    changed_by: str
    note: str | None

    def as_dict(self) -> dict:
        return {"id": self.id, "category": self.category, "area": self.area_code, "severity": self.severity,
                "handling": self.handling, "department": self.department_code,
                "valid_from": self.valid_from.isoformat(),
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "changed_by": self.changed_by, "note": self.note}


@dataclass(frozen=True)
class Decision:
    """What the rules say for one case."""
    handling: str                       # grid, department, both
    department_id: int | None
    department_code: str | None
    rule_id: int | None                 # None: no rule, the grid


GRID = Decision("grid", None, None, None)

_SELECT = """
    SELECT r.id, r.category_code, r.area_id, a.code AS area_code, r.severity, r.handling,
           r.department_id, d.code AS department_code, r.valid_from, r.valid_to, r.changed_by, r.note
    FROM routing_rule r LEFT JOIN area a ON a.id = r.area_id LEFT JOIN department d ON d.id = r.department_id"""

# per database (a process may serve more than one: the tests do), when loaded and what
_cache: dict[str, tuple[float, list[Rule]]] = {}


def _rule(row) -> Rule:
    return Rule(*row)


def in_force(session: Session) -> list[Rule]:
    database = str(session.get_bind().url)
    loaded_at, rules = _cache.get(database, (0.0, []))
    if time.monotonic() - loaded_at > CACHE_SECONDS:
        rules = [_rule(r) for r in session.execute(text(_SELECT + " WHERE r.valid_to IS NULL ORDER BY r.id"))]
        _cache[database] = (time.monotonic(), rules)
    return rules


def forget() -> None:
    _cache.clear()


def history(session: Session) -> list[Rule]:
    """Every rule there has been, the newest first."""
    return [_rule(r) for r in session.execute(text(_SELECT + " ORDER BY r.valid_from DESC, r.id DESC"))]


def decide(session: Session, category: str, street_id: int | None, community_id: int | None,
           severity: str) -> Decision:
    """The most specific rule in force for a case."""
    best, best_rank = None, None
    for rule in in_force(session):
        if rule.category not in (None, category) or rule.severity not in (None, severity):
            continue
        if rule.area_id is not None and rule.area_id not in (street_id, community_id):
            continue
        area_rank = 0 if rule.area_id is None else (2 if rule.area_id == community_id else 1)
        rank = (rule.category is not None, area_rank, rule.severity is not None)
        if best_rank is None or rank > best_rank:
            best, best_rank = rule, rank
    if best is None:
        return GRID
    return Decision(best.handling, best.department_id, best.department_code, best.id)


# -- editing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    category: str | None
    area: str | None
    severity: str | None
    handling: str
    department: str | None
    note: str | None = None


def _checked(session: Session, change: Change) -> tuple[int | None, int | None]:
    errors: dict[str, Message] = {}
    if change.category is not None and not session.execute(
            text("SELECT 1 FROM category WHERE code = :c"), {"c": change.category}).first():
        errors["category"] = Message("routing.category_unknown", category=change.category)
    area_id = None
    if change.area is not None:
        area_id = session.execute(text("SELECT id FROM area WHERE code = :c AND level IN ('street', 'community')"),
                                  {"c": change.area}).scalar()
        if area_id is None:
            errors["area"] = Message("routing.area_unknown", area=change.area)
    if change.severity is not None and change.severity not in SEVERITIES:
        errors["severity"] = Message("routing.severity_unknown", known=list(SEVERITIES))
    department_id = None
    if change.handling not in HANDLINGS:
        errors["handling"] = Message("routing.handling_unknown", known=list(HANDLINGS))
    elif change.handling == "grid":
        if change.department is not None:
            errors["department"] = Message("routing.grid_no_department")
    elif change.department is None:
        errors["department"] = Message("routing.department_needed")
    else:
        department_id = session.execute(text("SELECT id FROM department WHERE code = :c AND active"),
                                        {"c": change.department}).scalar()
        if department_id is None:
            errors["department"] = Message("routing.department_unknown", department=change.department)
    if change.note is not None and len(change.note) > 500:
        errors["note"] = Message("routing.note_too_long", most=500)
    if errors:
        raise loop.Invalid(errors)
    return area_id, department_id


def put(session: Session, change: Change, by: str, now: datetime) -> Rule:
    """The rule for change's category × area × severity from now on: the one in force (if any)
    ends, this one starts. Flushes; the caller commits."""
    area_id, department_id = _checked(session, change)
    key = {"category": change.category, "area": area_id, "severity": change.severity}
    # two editors of one combination: the second waits here, then ends the first one's rule
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))"), {"k": repr(sorted(key.items()))})
    _end(session, key, now)
    rule_id = session.execute(text("""
        INSERT INTO routing_rule (category_code, area_id, severity, handling, department_id, valid_from,
                                  changed_by, note)
        VALUES (:category, :area, :severity, :handling, :department, :now, :by, :note) RETURNING id"""),
        {**key, "handling": change.handling, "department": department_id, "now": now, "by": by,
         "note": change.note}).scalar_one()
    forget()
    return _rule(session.execute(text(_SELECT + " WHERE r.id = :id"), {"id": rule_id}).one())


def end(session: Session, rule_id: int, by: str, now: datetime) -> bool:
    """The rule ends (its combination falls back to a less specific one); False if it was not in force."""
    done = session.execute(text("""
        UPDATE routing_rule SET valid_to = :now WHERE id = :id AND valid_to IS NULL"""),
        {"id": rule_id, "now": now}).rowcount
    forget()
    return bool(done)


def _end(session: Session, key: dict, now: datetime) -> None:
    session.execute(text("""
        UPDATE routing_rule SET valid_to = :now
        WHERE valid_to IS NULL AND coalesce(category_code, '') = coalesce(CAST(:category AS text), '')
          AND coalesce(area_id, 0) = coalesce(CAST(:area AS integer), 0)
          AND coalesce(severity, '') = coalesce(CAST(:severity AS text), '')"""), {**key, "now": now})


# -- loading ---------------------------------------------------------------------------------

def load_csv(session: Session, path: Path, by: str, now: datetime) -> int:
    """gis_data/routing.csv: category,area,severity,handling,department,note (empty: any).
    Each row becomes the rule in force for its combination. Returns how many rows."""
    count = 0
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            change = Change(*(row.get(k, "").strip() or None for k in
                              ("category", "area", "severity", "handling", "department", "note")))
            try:
                put(session, change, by, now)
            except loop.Invalid as error:
                raise loop.Invalid({f"{path.name}:{n}.{k}": m for k, m in error.errors.items()}) from None
            count += 1
    return count
