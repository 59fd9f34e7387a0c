"""A resident following their own case through its private link (/r/<token>): its status in
words, its times, the operator's public note, what happens next and by when (and, if it cannot
be solved, why: 解决不了的、必须说明原因) — and, once it is closed, their one rating, where
"not solved" reopens it with their words (incidents/ratings.py).

The token proves one thing: "this is the reporter of this case". The link shows that case —
their own words and photos too — and nothing of anyone else: no worker's name or note, no
other case's code. A token that is malformed, unknown, or whose case ended more than `link_days`
ago gets one and the same answer, so the answer never tells whether a code exists.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ... import personal
from ...messages import Message
from ...models import OPEN_STATUSES, Category, Incident, IncidentEvent, IncidentPhoto, IncidentRequest
from ..incidents import lateness, loop, ratings
from . import view as public_view, words
from .reporting import link_token, token_hash

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")

# the loop's steps as the resident's timeline names them; the others (comments, publishing,
# a worker's own notes) are the city's business
STEPS = {"report": "received", "assign": "assigned", "accept": "accepted", "start": "started",
         "resolve": "resolved", "verify": "closed", "merge": "merged", "reject": "rejected",
         "reopen": "reopened", "escalate": "escalated", "rate": "rated",
         # 挂起 and 延期 as approved (requests.py): the resident's promise moves with them
         "suspend": "suspended", "resume": "resumed", "extend": "extended"}


def link_maker(public_url: str | None, secret: str):
    """What makes a reporter's private link again from its seed, under the site's public
    address (for the message at close, services/notify); None without an address."""
    if not public_url:
        return None
    return lambda seed: f"{public_url}/r/{link_token(secret, seed)}"


def not_found() -> loop.NotFound:
    return loop.NotFound("report.not_found")


def find(session: Session, token: str, now: datetime, link_days: int, lock: bool = False) -> Incident | None:
    """The case this token is the private link of, while the link works: a closed or rejected
    case's for `link_days` (settings) after its last step."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    query = select(Incident).where(Incident.reporter_token_hash == token_hash(token))
    incident = session.scalars(query.with_for_update() if lock else query).first()
    if incident is None:
        return None
    if incident.status not in OPEN_STATUSES + ("resolved",):
        last = session.scalar(select(func.max(IncidentEvent.at)).where(IncidentEvent.incident_id == incident.id))
        if last is not None and last < now - timedelta(days=link_days):
            return None
    return incident


def photo(session: Session, incident: Incident, photo_id: int) -> IncidentPhoto | None:
    """One of the photos the resident sent with the report, or one published with the case."""
    if photo_id in _own_photos(session, incident.id):
        return session.get(IncidentPhoto, photo_id)
    shown = public_view.photo(session, photo_id)
    return shown if shown is not None and shown.incident_id == incident.id else None


def _own_photos(session: Session, incident_id: int) -> list[int]:
    return list(session.scalars(text("""
        SELECT p.id FROM incident_photo p JOIN incident_event e ON e.id = p.event_id AND e.action = 'report'
        WHERE p.incident_id = :id ORDER BY p.id"""), {"id": incident_id}))


def view(session: Session, incident: Incident, now: datetime, zone: str) -> dict:
    """The case as its reporter reads it; words are Messages, said in the reader's language
    by the caller."""
    category = session.get(Category, incident.category_code)
    names = session.execute(text("""
        SELECT c.name_zh, c.name_en, round(ST_X(i.geom)::numeric, 7), round(ST_Y(i.geom)::numeric, 7),
               """ + lateness.overdue("i", ":now") + ", " + lateness.late_since("i", ":now") + """
        FROM incident i LEFT JOIN area c ON c.id = i.community_id WHERE i.id = :id"""),
        {"id": incident.id, "now": now}).one()
    shown = public_view.case(session, incident.code)
    rated_by_me = incident.rated_by == ratings.RESIDENT
    return {
        "code": incident.code,
        "category": {"code": category.code, "name": {"zh": category.name_zh, "en": category.name_en}},
        "status": incident.status,
        "status_words": words.status(incident.status, incident.merged_into_id is not None),
        "next": _next(session, incident, names[4] and names[5], zone),
        "overdue": bool(names[4]),
        "description": incident.description, "address": incident.address,
        "community": {"zh": names[0], "en": names[1]} if names[0] or names[1] else None,
        "point": [float(names[2]), float(names[3])],
        "reported_at": _iso(incident.reported_at), "due_respond_at": _iso(incident.due_respond_at),
        "due_resolve_at": _iso(incident.due_resolve_at), "responded_at": _iso(incident.responded_at),
        "resolved_at": _iso(incident.resolved_at), "closed_at": _iso(incident.closed_at),
        "promise": {"respond": words.span(category.respond_within_min, category.limit_unit),
                    "resolve": words.span(category.resolve_within_min, category.limit_unit)},
        "note": incident.public_note,
        "steps": _steps(session, incident.id),
        "photos": _own_photos(session, incident.id),
        "published_photos": list(shown.photos) if shown else [],
        "public": shown is not None,
        "rating": {"satisfaction": incident.satisfaction, "at": _iso(incident.rated_at),
                   "comment": _my_comment(session, incident.id)} if rated_by_me else None,
        "can_rate": incident.status == "closed" and not rated_by_me,
        "contact": {"phone": personal.masked(incident.reporter_phone),
                    "email": personal.masked(incident.reporter_email)},
    }


def rate(session: Session, token: str, now: datetime, link_days: int, *, satisfaction, comment,
         not_solved: bool) -> Incident:
    """The resident's one rating of their closed case. Flushes; the caller commits."""
    incident = find(session, token, now, link_days, lock=True)
    if incident is None:
        raise not_found()
    # the reporter, proven by the link: the loop lets a case's own reporter rate it
    reporter = loop.Participant(incident.reported_by)
    return ratings.by_resident(session, incident.id, reporter, now, satisfaction=satisfaction,
                               comment=comment, not_solved=not_solved)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _next(session: Session, incident: Incident, late_since: datetime | None, zone: str) -> Message:
    """What happens next, and by when; `late_since`: the first limit an open case missed."""
    status = incident.status
    if status == "closed" and incident.merged_into_id is not None:
        return Message("public.next.merged")
    if status == "closed":
        return Message("public.next.rated" if incident.rated_by == ratings.RESIDENT else "public.next.rate")
    if status == "resolved":
        return Message("public.next.resolved")
    if status == "rejected":
        reason = _last_note(session, incident.id, "reject")
        return (Message("public.next.rejected", reason=personal.redacted(reason)) if reason
                else Message("public.next.rejected_unsaid"))
    answered = incident.responded_at is not None
    if incident.suspended_since is not None:
        reason = session.scalar(select(IncidentRequest.reason).where(
            IncidentRequest.incident_id == incident.id, IncidentRequest.kind == "suspend",
            IncidentRequest.status == "approved").order_by(IncidentRequest.id.desc()).limit(1))
        return Message("public.next.suspended", why=Message(f"request_reason.{reason or 'other'}"))
    if late_since and incident.escalations:
        return Message("public.next.overdue", by=words.moment(late_since, zone), level=Message(f"level.{incident.level}"))
    if late_since:
        return Message("public.next.overdue_here", by=words.moment(late_since, zone))
    if status == "reported":
        return Message("public.next.triage", by=words.moment(incident.due_respond_at, zone))
    if status == "assigned" and not answered:
        return Message("public.next.assigned", by=words.moment(incident.due_respond_at, zone))
    if status == "reopened":
        return Message("public.next.reopened", by=words.moment(incident.due_resolve_at, zone))
    return Message("public.next.handling", by=words.moment(incident.due_resolve_at, zone))


def _last_note(session: Session, incident_id: int, action: str) -> str | None:
    return session.scalar(select(IncidentEvent.note).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.action == action).order_by(IncidentEvent.id.desc()))


def _my_comment(session: Session, incident_id: int) -> str | None:
    """The words of the resident's own rating (the last `rate` step, theirs)."""
    return _last_note(session, incident_id, "rate")


def _steps(session: Session, incident_id: int) -> list[dict]:
    """When each step came, no who and no notes; a step repeated in a row (a re-dispatch)
    once."""
    steps = []
    for action, at, data in session.execute(select(IncidentEvent.action, IncidentEvent.at, IncidentEvent.data)
                                            .where(IncidentEvent.incident_id == incident_id)
                                            .order_by(IncidentEvent.id)):
        step = STEPS.get(action)
        if step is None or (steps and steps[-1]["step"] == step and step != "rated"):
            continue
        entry = {"step": step, "at": at.isoformat()}
        if step == "rated":
            entry["satisfaction"] = (data or {}).get("satisfaction")
        steps.append(entry)
    return steps
