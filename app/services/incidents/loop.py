"""The closed loop (闭环处置) as a state machine: report → locate responsibility → dispatch →
accept → handle → resolve (feedback) → verify and close, with reject, reopen, escalate and
merge. Every step is an `incident_event`; nothing is ever deleted.

Who may act: a *dispatcher* (an operator) may take any step on incidents inside their scope;
a *handler* step (accept, start, resolve, reject, escalate, transfer, return) is also open to
the incident's assignee — a grid worker acts on their own tasks only — and to the department
leading it; a *helper* step (assist, assisted) to a department helping with it (协办,
tasks.py). Where a case goes first follows the routing rules (routing.py).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from psycopg.rows import tuple_row
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ... import personal
from ...config import IncidentRules
from ...messages import Message, Said, in_both, per_field, status_name, step_done, step_name
from ...models import (CHANNELS, CITIZEN_CHANNELS, OPEN_STATUSES, RETURN_REASONS, SEVERITIES, Category, Incident,
                       IncidentEvent)
from ..accounts.scope import Scope
from ..notify import departments as departments_told, reporter
from . import deadlines, driver, photos, requests, responsibility, routing, tasks, views

DISPATCHER, HANDLER, HELPER, REPORTER = "dispatcher", "handler", "helper", "reporter"
# handler steps a grid worker does not take: passing a case between departments is theirs and
# the dispatcher's (a worker who finds a case is not the grid's says so in a comment, or escalates)
DEPARTMENT_STEPS = frozenset({"transfer", "return"})
# a department leading a case takes it on, handles it, and passes it on or sends it back; whether
# it cannot be solved (reject) or goes up a level (escalate) is the command center's to decide
LEAD_DEPARTMENT_STEPS = frozenset({"accept", "start", "resolve", "comment", "transfer", "return",
                                   "ask_suspend", "ask_extend", "resume"})
DESCRIPTION_MAX = 4000          # characters


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[str]
    to_status: str | None           # None: the status does not change
    who: str                        # DISPATCHER, or HANDLER (assignee or dispatcher)
    note_required: bool = False


_HANDLED = frozenset(("assigned", "accepted", "in_progress", "reopened", "escalated"))
_EVERY = frozenset(("reported", "assigned", "accepted", "in_progress", "resolved", "closed",
                    "rejected", "reopened", "escalated"))
RULES: dict[str, Rule] = {
    "assign":   Rule(frozenset(OPEN_STATUSES) | {"rejected"}, "assigned", DISPATCHER),
    "accept":   Rule(frozenset({"assigned", "reopened", "escalated"}), "accepted", HANDLER),
    "start":    Rule(frozenset({"accepted"}), "in_progress", HANDLER),
    "resolve":  Rule(frozenset({"accepted", "in_progress"}), "resolved", HANDLER, note_required=True),
    "verify":   Rule(frozenset({"resolved", "rejected"}), "closed", DISPATCHER),
    "reopen":   Rule(frozenset({"resolved", "closed", "rejected"}), "reopened", DISPATCHER,
                     note_required=True),
    "reject":   Rule(frozenset(OPEN_STATUSES), "rejected", HANDLER, note_required=True),
    "escalate": Rule(frozenset(OPEN_STATUSES), "escalated", HANDLER, note_required=True),
    "merge":    Rule(frozenset(OPEN_STATUSES) | {"resolved"}, "closed", DISPATCHER),
    "comment":  Rule(_EVERY, None, HANDLER, note_required=True),
    "rate":     Rule(frozenset({"closed"}), None, REPORTER),
    # the note is what the public reads of the case (services/public/view.py)
    "publish":  Rule(_EVERY, None, DISPATCHER, note_required=True),
    "withdraw": Rule(_EVERY, None, DISPATCHER, note_required=True),
    # departments (tasks.py): passed to another department (转派) with the reason; sent back to
    # the dispatcher (退回) with the reason; a helper's part taken on (协办受理) and done
    "transfer": Rule(frozenset(OPEN_STATUSES), "assigned", HANDLER, note_required=True),
    "return":   Rule(frozenset(OPEN_STATUSES), "reported", HANDLER, note_required=True),
    "assist":   Rule(frozenset(OPEN_STATUSES), None, HELPER),
    "assisted": Rule(frozenset(OPEN_STATUSES) | {"resolved"}, None, HELPER, note_required=True),
    # 挂起 and 延期 (requests.py): the handler asks with a reason, the dispatcher decides;
    # a suspended case resumes when the handler (or the dispatcher) says so
    "ask_suspend": Rule(_HANDLED, None, HANDLER, note_required=True),
    "ask_extend": Rule(_HANDLED, None, HANDLER, note_required=True),
    "approve":  Rule(frozenset(OPEN_STATUSES), None, DISPATCHER),
    "refuse":   Rule(frozenset(OPEN_STATUSES), None, DISPATCHER, note_required=True),
    "resume":   Rule(frozenset(OPEN_STATUSES), None, HANDLER),
}


# -- errors, each with the HTTP answer the API gives it -----------------------------------
# Their words are catalogue keys (app/messages.py), said in the reader's language by the API.

class IncidentError(Said):
    status = 400


class Invalid(IncidentError):
    """A report or step with bad fields: one message per field."""
    status = 422

    def __init__(self, errors: dict[str, Message]):
        super().__init__("incident.invalid", fields=list(errors))
        self.errors = errors

    def describe(self, language: str) -> str:
        return per_field(self.errors, language)


class NotFound(IncidentError):
    status = 404


class NotAllowed(IncidentError):
    status = 403


class IllegalTransition(IncidentError):
    status = 409


class Stale(IncidentError):
    """The client acted on an older version (If-Match)."""
    status = 412

    def __init__(self, incident: Incident, expected_version: int):
        super().__init__("incident.stale", code=incident.code, yours=expected_version, now=incident.version)
        self.incident = incident


# -- who acts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Participant:
    name: str                           # written on every event: "user:alice", "system"
    dispatcher: bool = False            # may dispatch, verify, reopen, merge
    worker_id: int | None = None        # a grid worker acts on incidents assigned to them
    department_id: int | None = None    # a department's staff act on the cases it leads or helps in
    scope: Scope = field(default_factory=lambda: Scope(everything=True))

    @classmethod
    def system(cls) -> "Participant":
        return cls("system", dispatcher=True)


@dataclass(frozen=True)
class Report:
    category: str
    lon: float
    lat: float
    description: str
    severity: str = "normal"
    channel: str = "worker"
    address: str | None = None
    reporter_contact: str | None = None
    photo_ids: tuple[int, ...] = ()
    triage: bool = False                # anonymous public reports wait for an operator
    part_id: int | None = None          # the city part (部件) it is about; without a point, its place


# -- reporting -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryRule:
    """What filing needs of a category; categories change rarely, so each process keeps
    them for a minute instead of asking on every report."""
    code: str
    respond_within_min: int
    resolve_within_min: int
    default_level: str
    duplicate_radius_m: int
    limit_unit: str = "natural"


_categories: tuple[float, dict[str, CategoryRule]] = (0.0, {})
CATEGORY_CACHE_SECONDS = 60


def category_rules(session: Session) -> dict[str, CategoryRule]:
    global _categories
    loaded_at, rules = _categories
    if time.monotonic() - loaded_at > CATEGORY_CACHE_SECONDS or not rules:
        rules = {c.code: CategoryRule(c.code, c.respond_within_min, c.resolve_within_min,
                                      c.default_level, c.duplicate_radius_m, c.limit_unit)
                 for c in session.scalars(select(Category))}
        _categories = (time.monotonic(), rules)
    return rules


def check_report(session: Session, report: Report, rules: IncidentRules, now: datetime
                 ) -> tuple[CategoryRule, responsibility.Place, tuple[int, str] | None, Report]:
    """Validates every field, and locates the point (with any possible duplicate) in the
    same round trip; a report naming a part without a point takes the part's (returned)."""
    errors: dict[str, Message] = {}
    if report.part_id is not None:
        report, errors = _with_part(session, report, rules.part_near_m)
    categories = category_rules(session)
    category = categories.get(report.category) if isinstance(report.category, str) else None
    if category is None:
        errors["category"] = Message("incident.category_unknown", category=report.category,
                                     known=sorted(categories))
    if not isinstance(report.description, str) or not report.description.strip():
        errors["description"] = Message("incident.description_missing")
    elif len(report.description) > DESCRIPTION_MAX:
        errors["description"] = Message("incident.description_too_long", most=DESCRIPTION_MAX)
    if report.severity not in SEVERITIES:
        errors["severity"] = Message("incident.severity_unknown", known=SEVERITIES)
    if report.channel not in CHANNELS:
        errors["channel"] = Message("incident.channel_unknown", known=CHANNELS)
    place, duplicate = None, None
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (report.lon, report.lat)) \
            or not (-180 <= report.lon <= 180 and -90 <= report.lat <= 90):
        errors["point"] = Message("incident.point_missing")
    elif category is None:
        place = responsibility.locate(session, report.lon, report.lat)
    else:
        # by position: the located columns repeat a name (community_id)
        row = driver.one(session, _PLACE_AND_DUPLICATE, _duplicate_params(
            category, report.lon, report.lat, now, rules), tuple_row)
        place, (dup_id, dup_code) = responsibility.place_of(row), row[-2:]
        duplicate = (dup_id, dup_code) if dup_id else None
    if place is not None and not place.in_city:
        errors["point"] = Message("incident.point_outside", lon=report.lon, lat=report.lat)
    if errors:
        raise Invalid(errors)
    return category, place, duplicate, report


# One lookup, and only when a report names a part: its place, and how far the report's point is.
_PART = text("""
    SELECT ST_X(p.geom), ST_Y(p.geom), p.status,
           ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
    FROM part p WHERE p.id = :id""")


def _with_part(session: Session, report: Report, near_m: float) -> tuple[Report, dict[str, Message]]:
    """The report with the place of the part it names when it gives none; or why the part
    cannot be named: it does not exist, was removed, or lies more than `near_m` from the point."""
    part_id = report.part_id
    if not isinstance(part_id, int) or isinstance(part_id, bool) or not 0 < part_id < 2 ** 31:
        return report, {"part": Message("incident.part_id")}
    pointed = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  for v in (report.lon, report.lat))
    found = session.execute(_PART, {"id": part_id, "lon": report.lon if pointed else None,
                                    "lat": report.lat if pointed else None}).first()
    if found is None:
        return report, {"part": Message("incident.part_unknown", id=part_id)}
    lon, lat, status, distance = found
    if status == "removed":
        return report, {"part": Message("incident.part_removed", id=part_id)}
    if not pointed and report.lon is None and report.lat is None:
        return replace(report, lon=lon, lat=lat), {}
    if distance is not None and distance > near_m:
        return report, {"part": Message("incident.part_far", id=part_id, distance=distance, most=near_m)}
    return report, {}


@dataclass(frozen=True)
class Filed:
    """What filing a report decided: where it is, who has it."""
    id: int
    code: str
    level: str
    status: str
    grid_id: int | None
    community_id: int | None
    street_id: int | None
    assignee_id: int | None
    flag: str | None
    triage: bool
    possible_duplicate_of: str | None
    answer: dict = field(default_factory=dict, repr=False)   # as views.describe gives it


# The incident and its first events in one statement: one round trip on the hot path of
# intake. The report event is numbered before the dispatch event (ORDER BY step).
_FILE = text(f"""
    WITH n AS (SELECT nextval('incident_id_seq') AS id),
    filed AS (
        INSERT INTO incident (id, code, category_code, severity, status, channel, description,
                              address, reporter_contact, reported_by, triage, grid_id, community_id,
                              street_id, level, flag, assignee_id, assigned_at, duplicate_of_id,
                              reported_at, due_respond_at, due_resolve_at, version, geom,
                              department_id, handling, part_id)
        SELECT n.id, 'E' || to_char(CAST(:now AS timestamptz) AT TIME ZONE :zone, 'YYYYMMDD') || '-'
                     || lpad(n.id::text, 6, '0'),
               :category, :severity, :status, :channel, :description, :address, :contact, :by,
               :triage, :grid_id, :community_id, :street_id, :level, :flag, :assignee_id,
               :assigned_at, :duplicate_of_id, :now, :due_respond_at, :due_resolve_at, :version,
               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :department_id, :handling, :part_id
        FROM n RETURNING *),
    events AS (
        INSERT INTO incident_event (incident_id, at, actor, action, from_status, to_status, note, data)
        SELECT filed.id, :now, step.actor, step.action, step.from_status, step.to_status,
               step.note, step.data
        FROM filed, (VALUES
            (1, CAST(:by AS varchar), 'report', NULL, 'reported', NULL, CAST(:report_data AS jsonb)),
            (2, 'system', 'assign', 'reported', 'assigned', CAST(NULL AS text),
             CAST(:dispatch_data AS jsonb))
        ) AS step (n, actor, action, from_status, to_status, note, data)
        WHERE step.n = 1 OR CAST(:dispatched AS boolean)
        ORDER BY step.n
        RETURNING id)
    SELECT {views.COLUMNS}, (SELECT min(id) FROM events) AS report_event,
           (SELECT max(id) FROM events) AS dispatch_event FROM filed t""")


def report(session: Session, draft: Report, by: Participant, rules: IncidentRules,
           now: datetime) -> Filed:
    """File a report, locate its grid, and dispatch it to the grid's worker — decided first,
    then written in one statement: the hot path of intake. The caller commits."""
    category, place, duplicate, draft = check_report(session, draft, rules, now)
    level = category.default_level if place.grid_id else "street"
    status, assignee, dispatch_data = "reported", None, None
    routed = routing.GRID
    if not draft.triage:
        status, why = "assigned", "system_note.located"
        routed = routing.decide(session, category.code, place.street_id, place.community_id, draft.severity)
        if routed.handling == "department":
            why = "system_note.routed"
        elif level == "grid" and place.worker_id is not None:
            assignee = place.worker_id
        elif level == "grid":
            level, why = "community", "system_note.no_worker"
        dispatch_data = {k: v for k, v in {"worker_id": assignee, "level": level,
                                           "assignee_id": assignee, "said": in_both(why),
                                           "department": routed.department_code,
                                           "handling": None if routed.handling == "grid" else routed.handling}.items()
                         if v is not None}
    report_data = {k: v for k, v in {"grid": place.grid_code,
                                     "possible_duplicate_of": duplicate and duplicate[1]}.items()
                   if v is not None} or None
    row = driver.one(session, _FILE, {
        "now": now, "category": category.code, "severity": draft.severity, "status": status,
        "channel": draft.channel, "description": draft.description.strip(), "address": draft.address,
        "contact": draft.reporter_contact, "by": by.name, "triage": draft.triage,
        "grid_id": place.grid_id, "community_id": place.community_id, "street_id": place.street_id,
        "level": level, "flag": None if place.grid_id else "outside_grids", "assignee_id": assignee,
        "assigned_at": now if status == "assigned" else None,
        "duplicate_of_id": duplicate[0] if duplicate else None,
        "due_respond_at": deadlines.due(session, category, now, "respond"),
        "due_resolve_at": deadlines.due(session, category, now, "resolve"),
        "version": 1 if draft.triage else 2, "lon": draft.lon, "lat": draft.lat,
        "department_id": routed.department_id, "handling": routed.handling, "part_id": draft.part_id,
        "report_data": _json(report_data), "dispatched": dispatch_data is not None,
        "dispatch_data": _json(dispatch_data), "zone": rules.timezone})
    answer = views.shape(row, now)
    if routed.department_id is not None:
        # the rules send it to a department: its lead task, and the department is told
        tasks.give(session, row["id"], routed.department_id, "lead", now, row["dispatch_event"])
        departments_told.tell_new(session, row["id"], row["dispatch_event"], routed.department_id)
    if draft.photo_ids:
        try:
            photos.attach(session, list(draft.photo_ids), row["id"], by.name, row["report_event"])
        except photos.PhotoRefused as error:
            raise Invalid({"photos": error.message}) from None
    if draft.photo_ids or routed.department_id is not None:
        answer = views.describe(session, row["id"], now)
    return Filed(row["id"], row["code"], level, status, place.grid_id, place.community_id,
                 place.street_id, assignee, None if place.grid_id else "outside_grids", draft.triage,
                 duplicate[1] if duplicate else None, answer)


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


# Incidents that can still take a duplicate: open, or resolved and not yet verified, and not
# merged. Migration 0014 indexes their places, and its predicate is these same conditions.
DUPLICATE_STATUSES = OPEN_STATUSES + ("resolved",)

# The candidates in the box come from that index alone (OFFSET 0 keeps the category out):
# PostgreSQL would otherwise AND in the category's index and read every incident of the
# category to drop all but a handful.
DUPLICATE_SQL = f"""
    SELECT i.id, i.code FROM (
        SELECT id, code, geom, category_code, reported_at FROM incident
        WHERE geom && ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :dx, :dy)
          AND status IN {DUPLICATE_STATUSES} AND merged_into_id IS NULL OFFSET 0) i
    WHERE i.category_code = :category AND i.reported_at > :since
      AND ST_DWithin(i.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius)
    ORDER BY i.geom::geography <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, i.id
    LIMIT 1"""
_PLACE_AND_DUPLICATE = text(f"""
    WITH located AS ({responsibility.LOCATE_SQL}), duplicate AS ({DUPLICATE_SQL})
    SELECT located.*, duplicate.id AS dup_id, duplicate.code AS dup_code
    FROM located LEFT JOIN duplicate ON true""")


def _duplicate_params(category, lon: float, lat: float, now: datetime, rules: IncidentRules) -> dict:
    """The bbox prefilter is in degrees, widened by latitude, so the GiST index stays in use."""
    dy = category.duplicate_radius_m / 111_320
    return dict(category=category.code, since=now - timedelta(hours=rules.duplicate_window_hours),
                lon=lon, lat=lat, dx=dy / max(math.cos(math.radians(lat)), 0.01), dy=dy,
                radius=category.duplicate_radius_m)


# -- steps of the loop ---------------------------------------------------------------------

def load(session: Session, incident_id: int, lock: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id)
    incident = session.scalars(query.with_for_update() if lock else query).first()
    if incident is None:
        raise NotFound("incident.not_found", id=incident_id)
    return incident


def visible_to(session: Session, incident: Incident, by: Participant) -> bool:
    if by.worker_id is not None and incident.assignee_id == by.worker_id:
        return True
    return by.scope.holds(session, "incident", incident.id)


def act(session: Session, incident_id: int, action: str, by: Participant, now: datetime, *,
        note: str | None = None, expected_version: int | None = None, worker_id: int | None = None,
        grid_code: str | None = None, level: str | None = None, into_id: int | None = None,
        satisfaction: int | None = None, photo_ids: tuple[int, ...] = (), transfer: bool = False,
        department: str | None = None, helpers: tuple[str, ...] = (), reason: str | None = None,
        route: bool = False, until=None) -> Incident:
    """One step of the loop. Validates the step, the actor and the version; writes the event.
    Flushes; the caller commits. `department` (and `helpers`): the department an assignment or
    a transfer gives the case to; `route`: an assignment as the routing rules say; `reason`:
    why a department returns a case (RETURN_REASONS)."""
    rule = RULES.get(action)
    if rule is None:
        raise Invalid({"action": Message("incident.unknown_action", action=action, actions=list(RULES))})
    incident = load(session, incident_id, lock=True)
    if not visible_to(session, incident, by):
        raise NotFound("incident.not_in_area", id=incident_id)
    _check_actor(incident, rule, action, by,
                 helping=rule.who == HELPER and tasks.helping(session, incident.id, by.department_id) is not None)
    if expected_version is not None and expected_version != incident.version:
        raise Stale(incident, expected_version)
    if incident.status not in rule.from_statuses:
        raise _illegal(incident, action)
    note = note.strip() if isinstance(note, str) else None
    if rule.note_required and not note:
        raise Invalid({"note": Message("incident.note_needed", action=step_name(action))})
    step = _STEPS[action]
    event = step(session, incident, by, now, note=note, worker_id=worker_id, grid_code=grid_code,
                 level=level, into_id=into_id, satisfaction=satisfaction, transfer=transfer,
                 department=department, helpers=tuple(helpers or ()), reason=reason, route=route, until=until)
    if photo_ids:
        try:
            photos.attach(session, list(photo_ids), incident.id, by.name, event.id)
        except photos.PhotoRefused as error:
            raise Invalid({"photos": error.message}) from None
    return incident


# Steps a card offers only with what they need beside it: a rating is the reporter's, a merge
# needs the case it goes into (offered when a duplicate is suspected), an escalation a level above.
def allowed_steps(incident: Incident, by: Participant, session: Session | None = None) -> list[dict]:
    """The steps `by` may take on `incident` as it stands, in the loop's order, each saying
    whether it needs a note: what the wall's card offers (the server still checks each one)."""
    helper = session is not None and tasks.helping(session, incident.id, by.department_id)
    waiting = session is not None and requests.pending(session, incident.id) is not None
    steps = []
    for action, rule in RULES.items():
        if incident.status not in rule.from_statuses or action == "rate":
            continue
        if action == "merge" and incident.duplicate_of_id is None:
            continue
        if action == "escalate" and responsibility.level_above(incident.level) is None:
            continue
        if action == "withdraw" and not _on_public_surfaces(incident):
            continue            # nothing shown to take back
        if action == "publish" and incident.published:
            continue
        if action == "return" and by.dispatcher:
            continue            # a dispatcher sends it on instead
        if helper and (action, helper.status) in (("assist", "accepted"), ("assisted", "open")):
            continue
        if action in ("ask_suspend", "ask_extend") and (waiting or session is None) \
                or action == "ask_suspend" and incident.suspended_since is not None \
                or action in ("approve", "refuse") and not waiting \
                or action == "resume" and incident.suspended_since is None:
            continue            # what the case's requests allow (requests.py checks again)
        try:
            _check_actor(incident, rule, action, by, helping=bool(helper))
        except NotAllowed:
            continue
        steps.append({"action": action, "note_required": rule.note_required})
    return steps


def _on_public_surfaces(incident: Incident) -> bool:
    """Published, or filed by a citizen and not withdrawn (as services/public/view.py shows)."""
    return bool(incident.published if incident.published is not None else incident.channel in CITIZEN_CHANNELS)


def _check_actor(incident: Incident, rule: Rule, action: str, by: Participant, helping: bool = False) -> None:
    if rule.who == HELPER:
        if helping:
            return
        raise NotAllowed("incident.only_helper", action=step_name(action), code=incident.code)
    if by.dispatcher:
        return
    if rule.who == HANDLER and by.worker_id is not None and incident.assignee_id == by.worker_id \
            and action not in DEPARTMENT_STEPS:
        return
    if rule.who == HANDLER and by.department_id is not None and incident.department_id == by.department_id \
            and action in LEAD_DEPARTMENT_STEPS:
        return
    if rule.who == REPORTER and incident.reported_by == by.name:
        return
    if rule.who == HANDLER and action in DEPARTMENT_STEPS:
        raise NotAllowed("incident.only_department", action=step_name(action), code=incident.code)
    if rule.who == HANDLER:
        raise NotAllowed("incident.only_assignee", action=step_name(action), code=incident.code)
    if rule.who == REPORTER:
        raise NotAllowed("incident.only_reporter", code=incident.code)
    raise NotAllowed("incident.only_operator", action=step_name(action))


def _illegal(incident: Incident, action: str) -> IllegalTransition:
    allowed = sorted(a for a, r in RULES.items() if incident.status in r.from_statuses)
    return IllegalTransition("incident.illegal", code=incident.code, status=status_name(incident.status),
                             action=step_done(action), allowed=[step_name(a) for a in allowed])


def _assign(session, incident, by, now, *, note, worker_id, grid_code, level, transfer=False,
            department=None, helpers=(), route=False, **_):
    """To a worker, a grid or a level within the dispatcher's own scope, or to a department
    (with helpers: 协办); or, with `route`, as the routing rules say. A grid takes the
    incident's community and street with it, so it must hold the incident's place; sending it
    to a grid elsewhere is a transfer, said so and noted. The first dispatch against the rules
    needs a note: why this case is not where the rules send its kind."""
    handling = "grid"
    if route:
        if any(t is not None for t in (worker_id, grid_code, level, department)):
            raise Invalid({"target": Message("incident.assign_one")})
        decision = _routed(session, incident)
        if decision.handling == "grid":
            level = category_rules(session)[incident.category_code].default_level if incident.grid_id else "street"
        else:
            department, handling = decision.department_code, decision.handling
    targets = [t for t in (worker_id, grid_code, level, department) if t is not None]
    if len(targets) != 1:
        raise Invalid({"target": Message("incident.assign_one")})
    if (incident.assignee_id is not None or incident.department_id is not None) and not note:
        raise Invalid({"note": Message("incident.reassign_note")})
    if not route and incident.assigned_at is None and not note:
        decision = _routed(session, incident)
        if (decision.handling != "grid") != (department is not None) or \
                (department is not None and department != decision.department_code):
            raise Invalid({"note": Message("incident.against_routing", handling=Message(f"handling.{decision.handling}"),
                                           department=decision.department_code or "-")})
    if department is not None:
        return _to_department(session, incident, by, now, note, department, helpers, handling)
    if helpers:
        raise Invalid({"helpers": Message("incident.helpers_need_lead")})
    # the worker it is taken from hears of it (the stream sends them this event)
    data = {"from_assignee_id": incident.assignee_id, "from_department": _code_of(session, incident.department_id)}
    leaving = tasks.active(session, incident.id) if incident.department_id is not None else []
    incident.department_id, incident.handling = None, "grid"
    if incident.flag == "returned":
        incident.flag = None
    if worker_id is not None:
        if session.execute(text("SELECT active FROM worker WHERE id = :id"),
                           {"id": worker_id}).scalar() is not True \
                or not by.scope.holds_worker(session, worker_id):
            raise Invalid({"worker_id": Message("incident.no_worker", worker_id=worker_id)})
        incident.assignee_id, data["worker_id"] = worker_id, worker_id
    elif grid_code is not None:
        place = responsibility.grid_place(session, grid_code)
        if place is None or not by.scope.holds(session, "grid", place.grid_id):
            raise Invalid({"grid": Message("incident.no_grid", grid=grid_code)})
        if not _grid_holds(session, place.grid_id, incident.id):
            if not transfer or not note:
                raise Invalid({"grid": Message("incident.grid_elsewhere", grid=grid_code)})
            data["transfer"] = True
        incident.grid_id, incident.community_id, incident.street_id = (
            place.grid_id, place.community_id, place.street_id)
        incident.level, incident.assignee_id, incident.flag = "grid", place.worker_id, None
        data["grid"] = grid_code
    else:
        if level not in responsibility.LEVEL_ORDER:
            raise Invalid({"level": Message("incident.level_unknown", known=responsibility.LEVEL_ORDER)})
        if level == "grid" and incident.grid_id is None:
            raise Invalid({"level": Message("incident.no_grid_for_level")})
        incident.level = level
        incident.assignee_id = _grid_worker(session, incident.grid_id) if level == "grid" else None
        data["level"] = level
    incident.assigned_at = now
    incident.triage = False
    data["assignee_id"] = incident.assignee_id
    if data["from_assignee_id"] == incident.assignee_id:
        del data["from_assignee_id"]
    event = record_step(session, incident, "assign", by, "assigned", now, note, data)
    tasks.finish(leaving, "ended", now, event.id)
    return event


def _routed(session, incident) -> routing.Decision:
    return routing.decide(session, incident.category_code, incident.street_id, incident.community_id,
                          incident.severity)


def _code_of(session, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    return session.execute(text("SELECT code FROM department WHERE id = :i"), {"i": department_id}).scalar()


def _departments(session, lead: str, helpers) -> tuple[tasks.Department, list[tasks.Department]]:
    """The lead and the helpers named, checked: each a department that exists and is active,
    no helper twice, the lead not among them."""
    found = tasks.department(session, lead)
    if found is None:
        raise Invalid({"department": Message("incident.department_unknown", department=lead)})
    if not isinstance(helpers, (list, tuple)) or not all(isinstance(h, str) for h in helpers):
        raise Invalid({"helpers": Message("incident.helpers_list")})
    helping = []
    for code in dict.fromkeys(helpers):
        helper = tasks.department(session, code)
        if helper is None:
            raise Invalid({"helpers": Message("incident.department_unknown", department=code)})
        if helper.id == found.id:
            raise Invalid({"helpers": Message("incident.lead_not_helper", department=code)})
        helping.append(helper)
    return found, helping


def _to_department(session, incident, by, now, note, code, helpers, handling) -> IncidentEvent:
    """The case to a department as its lead (and to helpers): the lead's task, each helper's.
    `both`: the grid's worker keeps it on their phone, to check on site."""
    lead, helping = _departments(session, code, helpers)
    leaving = tasks.active(session, incident.id) if incident.department_id is not None else []
    data = {"department": lead.code, "helpers": [h.code for h in helping] or None, "handling": handling,
            "from_department": _code_of(session, incident.department_id),
            "from_assignee_id": incident.assignee_id}
    incident.department_id, incident.handling = lead.id, handling
    incident.assignee_id = _grid_worker(session, incident.grid_id) if handling == "both" else None
    incident.assigned_at, incident.triage = now, False
    if incident.flag == "returned":
        incident.flag = None
    data["assignee_id"] = incident.assignee_id
    if data["from_assignee_id"] == incident.assignee_id:
        del data["from_assignee_id"]
    event = record_step(session, incident, "assign", by, "assigned", now, note, data)
    tasks.finish(leaving, "ended", now, event.id)
    session.flush()
    for department, role in [(lead, "lead"), *((h, "helper") for h in helping)]:
        tasks.give(session, incident.id, department.id, role, now, event.id)
        departments_told.tell(session, incident, event, department.id)
    return event


def _transfer(session, incident, by, now, *, note, department, **_):
    """转派: to another department as the lead, with the reason. The case's time limits stand
    (they are the resident's); the task passed on is closed `transferred`."""
    if department is None:
        raise Invalid({"department": Message("incident.transfer_to")})
    lead, _ = _departments(session, department, ())
    if lead.id == incident.department_id:
        raise Invalid({"department": Message("incident.transfer_same", department=lead.code)})
    leads = tasks.active(session, incident.id, role="lead")
    helper = tasks.active(session, incident.id, lead.id, "helper")      # the new lead no longer helps
    data = {"from_department": _code_of(session, incident.department_id), "department": lead.code,
            "from_assignee_id": incident.assignee_id if incident.handling != "both" else None}
    if incident.handling != "both":
        incident.assignee_id = None
    incident.department_id, incident.handling = lead.id, "both" if incident.handling == "both" else "department"
    incident.assigned_at = now
    event = record_step(session, incident, "transfer", by, "assigned", now, note, data)
    tasks.finish(leads, "transferred", now, event.id)
    tasks.finish(helper, "ended", now, event.id)
    session.flush()
    tasks.give(session, incident.id, lead.id, "lead", now, event.id)
    departments_told.tell(session, incident, event, lead.id)
    return event


def _return(session, incident, by, now, *, note, reason, **_):
    """退回: back to the dispatcher, with why (not ours, wrong place, duplicate) and words; the
    dispatcher sends it on. Its time limits run on: the resident is still waiting."""
    if reason not in RETURN_REASONS:
        raise Invalid({"reason": Message("incident.return_reason", known=list(RETURN_REASONS))})
    leads, helping = tasks.active(session, incident.id, role="lead"), tasks.active(session, incident.id, role="helper")
    data = {"reason": reason, "from_department": _code_of(session, incident.department_id),
            "from_assignee_id": incident.assignee_id}
    requests.settle(session, incident, now)
    incident.department_id, incident.handling, incident.assignee_id = None, "grid", None
    incident.flag = "returned"
    event = record_step(session, incident, "return", by, "reported", now, note, data)
    tasks.finish(leads, "returned", now, event.id)
    tasks.finish(helping, "ended", now, event.id)
    return event


def _assist(session, incident, by, now, *, note, **_):
    task = tasks.helping(session, incident.id, by.department_id)
    tasks.accept(task, now)
    return record_step(session, incident, "assist", by, None, now, note,
                       {"department": _code_of(session, by.department_id)})


def _assisted(session, incident, by, now, *, note, **_):
    """A helper's part done: its task closes; the case goes on until its lead resolves it."""
    task = tasks.helping(session, incident.id, by.department_id)
    if task.status != "accepted":
        raise IllegalTransition("incident.assist_first", code=incident.code)
    event = record_step(session, incident, "assisted", by, None, now, note,
                        {"department": _code_of(session, by.department_id)})
    tasks.finish([task], "done", now, event.id)
    return event


def _ask_suspend(session, incident, by, now, *, note, reason, **_):
    return requests.ask(session, incident, by, now, "suspend", reason, None, note)


def _ask_extend(session, incident, by, now, *, note, reason, until, **_):
    return requests.ask(session, incident, by, now, "extend", reason, until, note)


def _approve(session, incident, by, now, *, note, **_):
    return requests.decide(session, incident, by, now, True, note)


def _refuse(session, incident, by, now, *, note, **_):
    return requests.decide(session, incident, by, now, False, note)


def _resume(session, incident, by, now, *, note, **_):
    return requests.resume(session, incident, by, now, note)


def _lead_takes_it(session, incident, now) -> None:
    if incident.department_id is not None:
        for task in tasks.active(session, incident.id, role="lead"):
            tasks.accept(task, now)


def _tasks_end(session, incident, now, event, lead_status: str = "ended") -> None:
    if incident.department_id is not None:
        open_tasks = tasks.active(session, incident.id)
        tasks.finish([t for t in open_tasks if t.role == "lead"], lead_status, now, event.id)
        if lead_status == "ended":
            tasks.finish([t for t in open_tasks if t.role == "helper"], "ended", now, event.id)


def _grid_holds(session, grid_id: int, incident_id: int) -> bool:
    return bool(session.execute(text(
        "SELECT ST_Intersects(g.geom, i.geom) FROM grid g, incident i WHERE g.id = :grid AND i.id = :incident"),
        {"grid": grid_id, "incident": incident_id}).scalar())


def _accept(session, incident, by, now, *, note, **_):
    incident.responded_at = incident.responded_at or now
    _lead_takes_it(session, incident, now)
    return record_step(session, incident, "accept", by, "accepted", now, note)


def _start(session, incident, by, now, *, note, **_):
    incident.responded_at = incident.responded_at or now
    _lead_takes_it(session, incident, now)
    return record_step(session, incident, "start", by, "in_progress", now, note)


def _resolve(session, incident, by, now, *, note, **_):
    requests.settle(session, incident, now)
    incident.resolved_at = now
    incident.overdue_since = None       # the clock stops while the work is checked
    event = record_step(session, incident, "resolve", by, "resolved", now, note)
    _tasks_end(session, incident, now, event, lead_status="done")      # helpers may still finish their part
    return event


def _verify(session, incident, by, now, *, note, **_):
    requests.settle(session, incident, now)
    incident.closed_at = now
    event = record_step(session, incident, "verify", by, "closed", now, note)
    _tasks_end(session, incident, now, event)
    return event


def _reopen(session, incident, by, now, *, note, **_):
    category = session.get(Category, incident.category_code)
    incident.resolved_at = incident.closed_at = None
    incident.due_resolve_at = deadlines.due(session, category, now, "resolve")
    incident.overdue_since = None
    event = record_step(session, incident, "reopen", by, "reopened", now, note)
    if incident.department_id is not None:     # back to the department that led it
        session.flush()
        tasks.give(session, incident.id, incident.department_id, "lead", now, event.id)
    return event


def _reject(session, incident, by, now, *, note, **_):
    requests.settle(session, incident, now)
    return record_step(session, incident, "reject", by, "rejected", now, note)


def _escalate(session, incident, by, now, *, note, **_):
    return escalate(session, incident, by, now, note)


def _merge(session, incident, by, now, *, note, into_id, **_):
    if into_id is None:
        raise Invalid({"into": Message("incident.merge_into")})
    target = load(session, into_id, lock=True)
    if not visible_to(session, target, by):
        raise Invalid({"into": Message("incident.not_in_area", id=into_id)})
    if target.id == incident.id or target.merged_into_id is not None:
        raise Invalid({"into": Message("incident.merge_target", code=target.code)})
    requests.settle(session, incident, now)
    incident.merged_into_id = target.id
    incident.closed_at = now
    _event(session, target, "merged_in", by, target.status, target.status, now, note,
           {"merged": incident.code})
    target.version += 1
    event = record_step(session, incident, "merge", by, "closed", now, note, {"into": target.code})
    _tasks_end(session, incident, now, event)
    return event


def _comment(session, incident, by, now, *, note, **_):
    return record_step(session, incident, "comment", by, None, now, note)


def _rate(session, incident, by, now, *, note, satisfaction, **_):
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise Invalid({"satisfaction": Message("incident.satisfaction")})
    incident.satisfaction, incident.rated_at = satisfaction, now
    return record_step(session, incident, "rate", by, None, now, note, {"satisfaction": satisfaction})


def _publish(session, incident, by, now, *, note, **_):
    if session.get(Category, incident.category_code).visibility == "private":
        raise Invalid({"action": Message("incident.private_category", category=incident.category_code)})
    kinds = personal.found_in(note)
    if kinds:
        raise Invalid({"note": Message("incident.public_note_personal",
                                       kinds=[Message(f"personal.{kind}") for kind in kinds])})
    incident.public_note, incident.published = note, True
    return record_step(session, incident, "publish", by, None, now, note)


def _withdraw(session, incident, by, now, *, note, **_):
    """Off every public surface; the note says why (it stays in the history, not public)."""
    incident.published = False
    return record_step(session, incident, "withdraw", by, None, now, note)


_STEPS = {"assign": _assign, "accept": _accept, "start": _start, "resolve": _resolve,
          "verify": _verify, "reopen": _reopen, "reject": _reject, "escalate": _escalate,
          "merge": _merge, "comment": _comment, "rate": _rate, "publish": _publish,
          "withdraw": _withdraw, "transfer": _transfer, "return": _return, "assist": _assist,
          "assisted": _assisted, "ask_suspend": _ask_suspend, "ask_extend": _ask_extend, "approve": _approve,
          "refuse": _refuse, "resume": _resume}


# -- escalation (also used by the clock) ---------------------------------------------------

def escalate(session: Session, incident: Incident, by: Participant, now: datetime,
             note: str | None, said: dict | None = None) -> IncidentEvent:
    """Up one level (grid → community → street): the new level's queue holds it, with fresh
    time limits for the new level."""
    above = responsibility.level_above(incident.level)
    if above is None:
        raise IllegalTransition("incident.no_level_above", code=incident.code)
    previous, taken_from = incident.level, incident.assignee_id
    incident.level, incident.assignee_id = above, None
    incident.escalations += 1
    incident.overdue_since = None
    _start_clock(session, incident, session.get(Category, incident.category_code), now)
    return record_step(session, incident, "escalate", by, "escalated", now, note,
                 {"from_level": previous, "to_level": above, "from_assignee_id": taken_from, "said": said})


def _grid_worker(session: Session, grid_id: int | None) -> int | None:
    if grid_id is None:
        return None
    return session.execute(text(responsibility.GRID_WORKER.format(grid=":grid")),
                           {"grid": grid_id}).scalar()


def _start_clock(session: Session, incident: Incident, category: Category, now: datetime) -> None:
    incident.due_respond_at = deadlines.due(session, category, now, "respond")
    incident.due_resolve_at = deadlines.due(session, category, now, "resolve")


def record_step(session, incident, action, by, to_status, now, note=None, data=None) -> IncidentEvent:
    from_status = incident.status
    if to_status is not None:
        incident.status = to_status
    incident.version += 1
    return _event(session, incident, action, by, from_status, to_status or from_status, now, note, data)


def _event(session, incident, action, by, from_status, to_status, now, note=None, data=None):
    session.flush()     # the NOTIFY trigger reads the incident row as it is now
    event = IncidentEvent(incident_id=incident.id, at=now, actor=by.name, action=action,
                          from_status=from_status, to_status=to_status, note=note,
                          data={k: v for k, v in (data or {}).items() if v is not None} or None)
    session.add(event)
    session.flush()
    reporter.tell(session, incident, event)     # in this transaction: told if and only if it commits
    return event




# -- reading -------------------------------------------------------------------------------

def history(session: Session, incident_id: int) -> list[IncidentEvent]:
    return list(session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                                .order_by(IncidentEvent.id)))


def duplicates_of(session: Session, incident_id: int) -> list[Incident]:
    """Later reports linked to this one as possible duplicates, for the operator to merge."""
    return list(session.scalars(select(Incident).where(Incident.duplicate_of_id == incident_id)
                                .order_by(Incident.id)))

