"""Departments and the routing rules (协同, 分流): GET /api/v1/departments (with each one's queue:
open tasks and how many are overdue); GET /api/v1/routing-rules (in force; ?history=true: every
rule there has been); POST /api/v1/routing-rules (the rule for a category × area × severity from
now on — the one it replaces is kept as history); DELETE /api/v1/routing-rules/{id} (ends it)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, jsonify, request

from .. import db
from ..auth import current_user, requires
from ..services.incidents import departments, loop, routing
from .errors import Refused
from .idempotent import transactional
from .incidents import incident_error

bp = Blueprint("departments", __name__, url_prefix="/api/v1")
bp.register_error_handler(loop.IncidentError, incident_error)      # a rule's fields, said per field
FIELDS = ("category", "area", "severity", "handling", "department", "note")


@bp.get("/departments")
@requires("incidents:read")
def listed():
    return jsonify(departments=departments.queues(db.session(), datetime.now(timezone.utc)))


@bp.get("/routing-rules")
@requires("incidents:read")
def rules():
    session = db.session()
    found = routing.history(session) if request.args.get("history") == "true" else routing.in_force(session)
    return jsonify(rules=[r.as_dict() for r in found])


@bp.post("/routing-rules")
@requires("routing:write")
@transactional
def put_rule():
    """{"category": "road_damage" | null, "area": "HEL-01-02" | null, "severity": null,
    "handling": "grid" | "department" | "both", "department": "SZ" | null, "note": "…"}"""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - set(FIELDS) or \
            not all(v is None or isinstance(v, str) for v in body.values()):
        raise Refused(400, "InvalidBody", "routing.body", fields=list(FIELDS))
    change = routing.Change(*((body.get(k) or "").strip() or None for k in FIELDS))
    rule = routing.put(db.session(), change, f"user:{current_user().username}", datetime.now(timezone.utc))
    return jsonify(rule.as_dict()), 201


@bp.delete("/routing-rules/<int:rule_id>")
@requires("routing:write")
@transactional
def end_rule(rule_id: int):
    if not routing.end(db.session(), rule_id, f"user:{current_user().username}", datetime.now(timezone.utc)):
        raise Refused(404, "NotFound", "routing.not_in_force", id=rule_id)
    return "", 204
