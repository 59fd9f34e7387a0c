"""A plan's way through review and filing: draft → submitted → approved or rejected (by a
reviewer, 区级审核) → filed (by a filer, 市级备案). Each step is permitted by role, refused
from the wrong state (409), and recorded as an event; submitting and filing keep the
printable map of what was handed on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Either, plan_status_name, plan_step_done
from ...models import GridPlan, GridPlanEvent
from . import edits, filing, plans, problems
from .plans import Actor, PlanError


@dataclass(frozen=True)
class Step:
    permission: str
    from_statuses: tuple[str, ...]
    to_status: str
    note_required: bool = False


STEPS = {
    "submit": Step("plans:write", ("draft", "rejected"), "submitted"),
    "withdraw": Step("plans:write", ("submitted",), "draft"),
    "approve": Step("plans:review", ("submitted",), "approved"),
    "reject": Step("plans:review", ("submitted",), "rejected", note_required=True),
    "file": Step("plans:file", ("approved",), "filed"),
}


class WrongState(PlanError):
    status, code = 409, "IllegalTransition"


class Blocked(PlanError):
    """The plan has problems that must be solved before it goes to review."""

    status, code = 409, "PlanHasProblems"


class NoteRequired(PlanError):
    status, code = 422, "NoteRequired"


def act(session: Session, plan_id: int, action: str, actor: Actor, rules, *, note: str | None = None,
        effective: datetime | None = None, printable: Callable[[GridPlan], str] | None = None,
        now: datetime | None = None) -> tuple[GridPlan, GridPlanEvent]:
    """`printable(plan)` draws the printable map kept with a submission or a filing."""
    step = STEPS[action]
    now = now or datetime.now(timezone.utc)
    plan = plans.load(session, plan_id, actor.scope, lock=True)
    if plan.status not in step.from_statuses:
        raise WrongState("plan.wrong_state", {
            "status": plan_status_name(plan.status), "action": plan_step_done(action),
            "needed": Either(plan_status_name(s) for s in step.from_statuses)}, status_now=plan.status)
    note = (note or "").strip() or None
    if step.note_required and not note:
        raise NoteRequired("plan.reject_note", field="note")
    data, map_html = None, None
    if action == "submit":
        found = problems.check_loaded(session, plan, rules)
        if found.check.blocking:
            raise Blocked("plan.blocked", {"count": len(found.check.blocking)},
                          problems=[{"kind": p.kind, "message_zh": p.message_zh, "message_en": p.message_en,
                                     "grids": p.grids} for p in found.check.blocking])
        filing.check_base(session, plan)
        plan.submitted_at = now
    elif action in ("approve", "reject"):
        plan.reviewed_at = now
    elif action == "file":
        effective = effective or now
        if effective > now:
            raise filing.BadEffectiveDate("plan.effective_future")
        data = filing.file(session, plan, effective, actor.name).summary()
        plan.filed_at, plan.effective_from = now, effective
    from_status = plan.status
    plan.status = step.to_status
    plan.version += 1
    session.flush()
    if printable is not None and action in ("submit", "file"):
        map_html = printable(plan)
    event = plans.record(session, plan, actor.name, action, from_status, step.to_status, note, data, map_html)
    return plan, event


def history(session: Session, plan_id: int, full: bool = False) -> list[dict]:
    """The plan's record as people read it: who by name (gridmap_actor, migration 0021), each
    edit by what it did and to which grids (not the outlines it keeps for undo).

    What a reviewer reads is the net change: an undo takes its edit's entry back and a redo
    puts it back where it was, so neither adds an entry of its own; an edit undone shows
    (`undone`, struck through) only while a redo could still make it again. The stored record
    is never rewritten: `full` gives every event, undos and redos too, for an audit."""
    journal = edits.journal_of(session, plan_id)
    rows = session.execute(text("""
        SELECT e.id, e.at, e.actor, gridmap_actor(e.actor) AS by, e.action, e.from_status, e.to_status,
               e.note, CASE WHEN e.action = 'edit' THEN e.data - 'features' ELSE e.data END AS data,
               e.map_html IS NOT NULL AS has_map
        FROM grid_plan_event e WHERE e.plan_id = :plan ORDER BY e.at, e.id"""), {"plan": plan_id}).mappings()
    events = [{**row, "undone": row["id"] in journal.undone} for row in rows]
    if full:
        return events
    return [e for e in events if e["action"] not in ("undo", "redo")
            and (not e["undone"] or e["id"] in journal.redoable)]
