"""Satisfaction (满意度): who rates a closed case, and how often. It is 30 % of every grid's
star score, so a rating is a fact about the case, not a field anyone may set again:

- the resident rates their own case once, through their private link (services/public/follow.py);
  "not solved" reopens it with their words for the dispatcher;
- an operator calling the reporter back rates a case only when the resident cannot: no contact
  was left with the case (a resident with a contact is asked themselves), and only while it
  has no rating;
- a resident's own rating takes the place of an operator's call-back, never the other way.

Each rating is the loop's `rate` step (loop.py: one event, with the satisfaction in its data);
`incident.rated_by` says whose it is, and the assessment counts them apart.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from ...messages import Message, status_name, step_name
from ...models import Incident
from . import loop

RESIDENT, CALLBACK = "resident", "callback"
COMMENT_MAX = 500       # characters


class AlreadyRated(loop.IllegalTransition):
    pass


def by_resident(session: Session, incident_id: int, by: loop.Participant, now: datetime, *,
                satisfaction, comment: str | None, not_solved: bool) -> Incident:
    """The reporter's rating (`by` is the case's own reporter, proven by the private link);
    with `not_solved`, their words reopen the case. Flushes; the caller commits."""
    incident = loop.load(session, incident_id, lock=True)
    comment = comment.strip() if isinstance(comment, str) else None
    errors = {}
    if comment and len(comment) > COMMENT_MAX:
        errors["comment"] = Message("report.comment_too_long", most=COMMENT_MAX)
    elif not_solved and not comment:
        errors["comment"] = Message("report.not_solved_words")
    if errors:
        raise loop.Invalid(errors)
    if incident.rated_by == RESIDENT:
        raise AlreadyRated("report.already_rated")
    if incident.status != "closed":
        raise loop.IllegalTransition("report.rate_when_closed", status=status_name(incident.status))
    loop.act(session, incident_id, "rate", by, now, note=comment or None, satisfaction=satisfaction)
    incident.rated_by = RESIDENT
    if not_solved:
        # the reporter may send back only their own case, and only this way: a dispatcher's
        # step, taken for them with their words
        loop.act(session, incident_id, "reopen", replace(by, dispatcher=True), now, note=comment)
    return incident


def by_callback(session: Session, incident_id: int, by: loop.Participant, now: datetime, *,
                satisfaction, note: str | None = None, expected_version: int | None = None) -> Incident:
    """An operator's rating after calling the reporter back. Flushes; the caller commits."""
    incident = loop.load(session, incident_id, lock=True)
    if not loop.visible_to(session, incident, by):
        raise loop.NotFound("incident.not_in_area", id=incident_id)
    if not by.dispatcher:
        raise loop.NotAllowed("incident.only_operator", action=step_name("rate"))
    if incident.status == "closed" and (incident.reporter_phone or incident.reporter_email):
        raise AlreadyRated("report.callback_resident")
    if incident.status == "closed" and incident.rated_at is not None:
        raise AlreadyRated("report.callback_rated")
    loop.act(session, incident_id, "rate", by, now, note=note, satisfaction=satisfaction,
             expected_version=expected_version)
    incident.rated_by = CALLBACK
    return incident
