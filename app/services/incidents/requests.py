"""Suspension (挂起) and extension (延期): the handler asks, with a reason — waiting for the
resident, parts on order, the weather, other (words in the note) — and the dispatcher approves
or refuses. One request waits at a time.

- Suspended, a case's clock stands still: the escalation clock passes it by, it is not late
  while it stands (lateness.py counts to `suspended_since`), and when it resumes its limits
  move on by the time it stood — in working minutes for a category counted in working time.
  A case resolved, closed or sent back while suspended resumes first, silently, so the time
  it stood is never counted against it.
- Extended, a case gets the new limit to resolve it asked for; the count of extensions is kept
  (incident.extensions) for the assessment, which measures on time against the limit approved.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import dates
from ...messages import Message
from ...models import REQUEST_REASONS, Category, Incident, IncidentRequest
from ..city import work_calendar
from ..notify import texts
from . import loop      # its errors and record_step; loop calls these from its steps


def pending(session: Session, incident_id: int, lock: bool = False) -> IncidentRequest | None:
    query = select(IncidentRequest).where(IncidentRequest.incident_id == incident_id,
                                          IncidentRequest.status == "pending")
    return session.scalars(query.with_for_update() if lock else query).first()


def ask(session: Session, incident: Incident, by, now: datetime, kind: str, reason, until, note: str | None):
    if reason not in REQUEST_REASONS:
        raise loop.Invalid({"reason": Message("request.reason", known=list(REQUEST_REASONS))})
    if pending(session, incident.id, lock=True) is not None:
        raise loop.IllegalTransition("request.pending", code=incident.code)
    data = {"kind": kind, "reason": reason}
    if kind == "suspend" and incident.suspended_since is not None:
        raise loop.IllegalTransition("request.already_suspended", code=incident.code)
    if kind == "extend":
        until = _until(until, incident, now, work_calendar.calendar(session).zone)
        data["until"] = until.isoformat()
    event = loop.record_step(session, incident, f"ask_{kind}", by, None, now, note, data)
    session.add(IncidentRequest(incident_id=incident.id, kind=kind, reason=reason,
                                until=until if kind == "extend" else None, asked_by=by.name, asked_at=now,
                                asked_event_id=event.id))
    return event


def _until(value, incident: Incident, now: datetime, zone) -> datetime:
    """The new limit asked for: a moment with its offset, or without one in the city's time."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = dates.moment(value, zone) if isinstance(value, str) else None
        except dates.Unusable:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise loop.Invalid({"until": Message("request.until_form")})
    if moment <= max(now, incident.due_resolve_at):
        due = texts.due(incident.due_resolve_at, zone.key)      # as the reporter's messages say a time
        raise loop.Invalid({"until": Message("request.until_later", due=due)})
    if moment - now > timedelta(days=365):
        raise loop.Invalid({"until": Message("request.until_far")})
    return moment


def decide(session: Session, incident: Incident, by, now: datetime, approve: bool, note: str | None):
    request = pending(session, incident.id, lock=True)
    if request is None:
        raise loop.IllegalTransition("request.none", code=incident.code)
    request.status, request.decided_by, request.decided_at = ("approved" if approve else "refused"), by.name, now
    data = {"kind": request.kind, "reason": request.reason}
    if not approve:
        event = loop.record_step(session, incident, "refuse", by, None, now, note, data)
    elif request.kind == "suspend":
        incident.suspended_since = now
        event = loop.record_step(session, incident, "suspend", by, None, now, note, data)
    else:
        incident.due_resolve_at, incident.overdue_since = request.until, None
        incident.extensions += 1
        event = loop.record_step(session, incident, "extend", by, None, now, note,
                                 {**data, "until": request.until.isoformat()})
    request.decided_event_id = event.id
    return event


def resume(session: Session, incident: Incident, by, now: datetime, note: str | None):
    if incident.suspended_since is None:
        raise loop.IllegalTransition("request.not_suspended", code=incident.code)
    stood = _move_on(session, incident, now)
    return loop.record_step(session, incident, "resume", by, None, now, note, {"stood_min": round(stood)})


def settle(session: Session, incident: Incident, now: datetime) -> None:
    """The case moves on (resolved, rejected, closed, merged, sent back): a suspension ends —
    its limits moved on first, the time it stood not counted — and a request still waiting is
    dropped."""
    if incident.suspended_since is not None:
        _move_on(session, incident, now)
    waiting = pending(session, incident.id, lock=True)
    if waiting is not None:
        waiting.status, waiting.decided_at = "dropped", now


def _move_on(session: Session, incident: Incident, now: datetime) -> float:
    """The limits moved on by the time the case stood, in the category's unit; returns the
    minutes that time took of them."""
    since, incident.suspended_since = incident.suspended_since, None
    category = session.get(Category, incident.category_code)
    if category.limit_unit == "working":
        calendar = work_calendar.calendar(session)
        stood = calendar.between(since, now)
        move = lambda due: calendar.add(max(due, since), stood) if due > since else due     # noqa: E731
    else:
        stood = (now - since).total_seconds() / 60
        move = lambda due: due + (now - since) if due > since else due     # noqa: E731
    if incident.responded_at is None:
        incident.due_respond_at = move(incident.due_respond_at)
    incident.due_resolve_at = move(incident.due_resolve_at)
    return stood
