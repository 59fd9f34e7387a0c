"""GET /api/v1/audit: the audit log for admins, filtered, as JSON or CSV."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import db
from ..auth import requires
from ..services.accounts import audit
from .errors import described
from .params import InvalidParameter, parse_datetime, parse_int

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


@bp.get("")
@requires("audit:read")
def entries():
    try:
        f = audit.AuditFilter(
            actor=request.args.get("actor"), entity=request.args.get("entity"),
            entity_id=request.args.get("entity_id"), action=request.args.get("action"),
            since=parse_datetime(request.args.get("since"), "since"),
            until=parse_datetime(request.args.get("until"), "until"),
            limit=parse_int(request.args.get("limit"), "limit", 100, 1, 10_000),
            offset=parse_int(request.args.get("offset"), "offset", 0, 0, 10**9))
    except InvalidParameter as error:
        return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400
    rows = audit.entries(db.session(), f)
    if request.args.get("format") == "csv":
        return Response(audit.as_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=audit.csv"})
    return jsonify(entries=rows, numberReturned=len(rows))
