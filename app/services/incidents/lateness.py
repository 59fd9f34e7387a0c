"""When an incident is late (超时): one definition, for the assessment, the wall and the exports.

Late is a matter of times, not of the clock's mark. An incident is late when it was responded to
after its respond limit or resolved after its resolve limit, or when, open, it is still waiting
for either past that limit now. The clock runs every few seconds and may not have run at all (a
server down for the night): an incident accepted ten minutes late between two ticks is late all
the same. It is also late once the clock marked it (ever_overdue): escalation gives a case fresh
limits at the level above, and the limits it missed are then only in that mark.
"""
from __future__ import annotations

from ...models import OPEN_STATUSES


def late(t: str = "t", now: str = ":now") -> str:
    """SQL: whether incident `t` is late, as of the SQL value `now` — or, suspended (挂起,
    requests.py), as of when its clock stopped."""
    clock = f"coalesce({t}.suspended_since, {now})"
    # coalesce: a comparison with a time not yet set is unknown, and unknown is not late
    return (f"coalesce({t}.ever_overdue"
            f" OR {t}.responded_at > {t}.due_respond_at"
            f" OR {t}.resolved_at > {t}.due_resolve_at"
            f" OR ({t}.status IN {OPEN_STATUSES} AND ("
            f"({t}.responded_at IS NULL AND {t}.due_respond_at < {clock})"
            f" OR ({t}.resolved_at IS NULL AND {t}.due_resolve_at < {clock}))), false)")


def known(t: str = "t", now: str = ":now") -> str:
    """SQL: whether incident `t`'s outcome is known as of `now`: resolved or closed, or late
    already (an open case still within its limits may yet be on time)."""
    return f"({t}.resolved_at IS NOT NULL OR {t}.closed_at IS NOT NULL OR {late(t, now)})"


def overdue(t: str = "t", now: str = ":now") -> str:
    """SQL: late and not yet handled (open): overdue stays true whatever level the incident
    moved to, until it is resolved."""
    return f"({t}.status IN {OPEN_STATUSES} AND {late(t, now)})"


def late_since(t: str = "t", now: str = ":now") -> str:
    """SQL: the first limit incident `t` missed (NULL when on time): the clock's record of it,
    which keeps the limits escalation replaced, else the limit the times show missed."""
    return (f"coalesce((SELECT min((e.data->>'due')::timestamptz) FROM incident_event e"
            f" WHERE e.incident_id = {t}.id AND e.action = 'overdue'),"
            f" least(CASE WHEN {t}.responded_at > {t}.due_respond_at OR ({t}.responded_at IS NULL"
            f" AND {t}.due_respond_at < {now}) THEN {t}.due_respond_at END,"
            f" CASE WHEN {t}.resolved_at > {t}.due_resolve_at OR ({t}.resolved_at IS NULL"
            f" AND {t}.due_resolve_at < {now}) THEN {t}.due_resolve_at END))")
