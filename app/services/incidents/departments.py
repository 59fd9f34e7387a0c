"""The departments (协同单位) a city works with, kept as data: gis_data/departments.csv at
setup (code, names, kind, duty phone and mailbox, the street or community codes it serves),
upserted by code — a department is never deleted, only made inactive, since cases name it."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Said
from ...models import DEPARTMENT_KINDS

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_FILE = ROOT / "gis_data" / "departments.csv"
ROUTING_FILE = ROOT / "gis_data" / "routing.csv"
COLUMNS = ("code", "name_zh", "name_en", "kind")


class BadFile(Said, ValueError):
    """A departments file that cannot be imported, with the line at fault."""


def import_departments(session: Session, path: Path = DEFAULT_FILE) -> int:
    """Upserts every row; a row naming areas replaces the department's areas. Raises
    BadFile naming the line of a bad row. Flushes; the caller commits."""
    count = 0
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise BadFile("departments.columns", file=path.name, missing=missing)
        for n, row in enumerate(reader, start=2):
            values = {k: (row.get(k) or "").strip() or None for k in (*COLUMNS, "duty_phone", "duty_email", "areas")}
            if not all(values[k] for k in COLUMNS):
                raise BadFile("departments.needed", file=path.name, line=n)
            if values["kind"] not in DEPARTMENT_KINDS:
                raise BadFile("departments.kind", file=path.name, line=n, known=list(DEPARTMENT_KINDS))
            department_id = session.execute(text("""
                INSERT INTO department (code, name_zh, name_en, kind, duty_phone, duty_email)
                VALUES (:code, :name_zh, :name_en, :kind, :duty_phone, :duty_email)
                ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                    kind = excluded.kind, duty_phone = excluded.duty_phone, duty_email = excluded.duty_email,
                    active = true
                RETURNING id"""), values).scalar_one()
            if values["areas"]:
                codes = [c.strip() for c in values["areas"].split(";") if c.strip()]
                ids = session.execute(text("SELECT id FROM area WHERE code = ANY(:c)"), {"c": codes}).scalars().all()
                if len(ids) != len(set(codes)):
                    raise BadFile("departments.area", file=path.name, line=n)
                session.execute(text("DELETE FROM department_area WHERE department_id = :d"), {"d": department_id})
                session.execute(text("INSERT INTO department_area (department_id, area_id) SELECT :d, unnest(CAST(:a AS int[]))"),
                                {"d": department_id, "a": ids})
            count += 1
    return count


def listed(session: Session) -> list[dict]:
    """Every active department, for lists and forms."""
    return [{"code": r.code, "name": {"zh": r.name_zh, "en": r.name_en}, "kind": r.kind}
            for r in session.execute(text("SELECT code, name_zh, name_en, kind FROM department WHERE active ORDER BY code"))]


def queues(session: Session, now) -> list[dict]:
    """Every active department with its queue: the tasks open or being worked on, and of
    their cases how many are overdue (the wall shows both)."""
    from . import lateness
    rows = session.execute(text(f"""
        SELECT d.code, d.name_zh, d.name_en, d.kind,
               count(k.id) AS open,
               count(k.id) FILTER (WHERE {lateness.overdue('t', ':now')}) AS overdue
        FROM department d
        LEFT JOIN incident_task k ON k.department_id = d.id AND k.status IN ('open', 'accepted')
        LEFT JOIN incident t ON t.id = k.incident_id
        WHERE d.active GROUP BY d.id ORDER BY d.code"""), {"now": now}).all()
    return [{"code": r.code, "name": {"zh": r.name_zh, "en": r.name_en}, "kind": r.kind,
             "open": r.open, "overdue": r.overdue} for r in rows]


def own_tasks(session: Session, department_id: int, incident_ids: list[int]) -> dict[int, dict]:
    """A department's own part in each of these cases: its latest task there (a case may come
    back to it after a transfer), so that its list tells the work still to do from the cases it
    has transferred, returned or finished."""
    rows = session.execute(text("""
        SELECT DISTINCT ON (k.incident_id) k.incident_id, k.role, k.status, k.finished_at
        FROM incident_task k WHERE k.department_id = :d AND k.incident_id = ANY(:ids)
        ORDER BY k.incident_id, k.id DESC"""), {"d": department_id, "ids": list(incident_ids)}).all()
    return {r.incident_id: {"role": r.role, "status": r.status,
                            "finished_at": r.finished_at.isoformat() if r.finished_at else None} for r in rows}
