"""The clock of the closed loop: incidents past a time limit are marked overdue and move up
one level (小事不出网格,大事不出社区,重大事情不出街道). At street level they stay marked.

`tick` is what both the in-app scheduler and `flask incidents tick` run. It takes `now` as
an argument, so tests drive the clock instead of sleeping. Several app processes may tick at
once: an advisory lock lets one through and the others skip that round.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from ...messages import in_both
from ...models import OPEN_STATUSES, Incident
from . import loop, responsibility

TICK_LOCK = 0x67726964   # "grid": the advisory lock key for one tick at a time


@dataclass
class TickResult:
    ran: bool = True
    overdue: list[str] = field(default_factory=list)      # incident codes marked overdue
    escalated: list[str] = field(default_factory=list)


def tick(session: Session, now: datetime, limit: int = 500) -> TickResult:
    """One round; the caller commits. Returns what changed."""
    if not session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TICK_LOCK}).scalar():
        return TickResult(ran=False)
    result = TickResult()
    late = session.scalars(
        select(Incident)
        .where(Incident.status.in_(OPEN_STATUSES), Incident.overdue_since.is_(None),
               Incident.suspended_since.is_(None),         # 挂起: its clock stands still
               or_(and_(Incident.responded_at.is_(None), Incident.due_respond_at < now),
                   Incident.due_resolve_at < now))
        .order_by(Incident.due_respond_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    clock = loop.Participant.system()
    for incident in late:
        missed = ("respond" if incident.responded_at is None and incident.due_respond_at < now
                  else "resolve")
        incident.overdue_since, incident.ever_overdue = now, True
        due = incident.due_respond_at if missed == "respond" else incident.due_resolve_at
        loop.record_step(session, incident, "overdue", clock, None, now, None,
                         {"missed": missed, "due": due.isoformat(), "level": incident.level,
                          "said": in_both(f"system_note.missed_{missed}")})
        result.overdue.append(incident.code)
        if responsibility.level_above(incident.level) is not None:
            loop.escalate(session, incident, clock, now, None, said=in_both(f"system_note.escalated_{missed}"))
            result.escalated.append(incident.code)
    return result
