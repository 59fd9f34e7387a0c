"""A case's tasks for departments (协同): the lead department's, and each helper's (协办).

The lead's task follows the case: given at dispatch, accepted with it, done when the case is
resolved, `transferred` when it passes to another department (转派), `returned` when the
department sends it back to the dispatcher (退回). A helper's task has its own state — taken
on, its part done — and never resolves the case: only the lead does. When the case leaves
the departments (sent to a grid, merged, closed), the tasks still open are `ended`.

The case's deadlines are the resident's and do not restart when the city passes the case
from one body to another; each task keeps its own times (given, accepted, finished), which
is what a department is assessed on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import ACTIVE_TASK_STATUSES, IncidentTask


@dataclass(frozen=True)
class Department:
    id: int
    code: str
    name_zh: str
    name_en: str


def department(session: Session, code) -> Department | None:
    if not isinstance(code, str):
        return None
    row = session.execute(text("SELECT id, code, name_zh, name_en FROM department WHERE code = :c AND active"),
                          {"c": code}).first()
    return Department(*row) if row else None


def department_by_id(session: Session, department_id: int) -> Department | None:
    row = session.execute(text("SELECT id, code, name_zh, name_en FROM department WHERE id = :i"),
                          {"i": department_id}).first()
    return Department(*row) if row else None


def give(session: Session, incident_id: int, department_id: int, role: str, now: datetime,
         event_id: int | None) -> IncidentTask:
    task = IncidentTask(incident_id=incident_id, department_id=department_id, role=role, status="open",
                        given_at=now, given_by_event_id=event_id)
    session.add(task)
    return task


def active(session: Session, incident_id: int, department_id: int | None = None,
           role: str | None = None) -> list[IncidentTask]:
    query = session.query(IncidentTask).filter(IncidentTask.incident_id == incident_id,
                                               IncidentTask.status.in_(ACTIVE_TASK_STATUSES))
    if department_id is not None:
        query = query.filter(IncidentTask.department_id == department_id)
    if role is not None:
        query = query.filter(IncidentTask.role == role)
    return query.order_by(IncidentTask.id).with_for_update().all()


def helping(session: Session, incident_id: int, department_id: int | None) -> IncidentTask | None:
    """The department's open helper task in the case, if it has one."""
    if department_id is None:
        return None
    found = active(session, incident_id, department_id, "helper")
    return found[0] if found else None


def finish(tasks: list[IncidentTask], status: str, now: datetime, event_id: int | None) -> None:
    for task in tasks:
        task.status, task.finished_at, task.finished_by_event_id = status, now, event_id


def accept(task: IncidentTask, now: datetime) -> None:
    if task.status == "open":
        task.status, task.accepted_at = "accepted", now


def of_case(session: Session, incident_id: int) -> list[dict]:
    """The case's tasks as the card shows them: who, their part, their state and times."""
    rows = session.execute(text("""
        SELECT k.id, d.code, d.name_zh, d.name_en, k.role, k.status, k.given_at, k.accepted_at, k.finished_at
        FROM incident_task k JOIN department d ON d.id = k.department_id
        WHERE k.incident_id = :i ORDER BY k.id"""), {"i": incident_id}).all()
    return [{"id": r.id, "department": r.code, "department_name": {"zh": r.name_zh, "en": r.name_en},
             "role": r.role, "status": r.status, "given_at": r.given_at.isoformat(),
             "accepted_at": r.accepted_at.isoformat() if r.accepted_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None} for r in rows]
