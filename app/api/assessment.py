"""GET /api/v1/assessment: the ranking table (考核) for a unit and a period, JSON or CSV."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, jsonify, request

from .. import db
from ..auth import requires
from ..auth.identity import current_scope
from ..services.field import patrol
from ..services.incidents import assessment
from .params import InvalidParameter, parse_datetime
from .patrol import MAX_PERIOD

bp = Blueprint("assessment", __name__, url_prefix="/api/v1")


@bp.get("/assessment")
@requires("incidents:read")
def ranking():
    """?unit=grid|worker|community|street&from=ISO&to=ISO&format=csv (default: this month);
    &patrol=1 (grids, a period of at most 31 days) joins each grid's patrol coverage."""
    unit = request.args.get("unit", "grid")
    if unit not in assessment.UNITS:
        return jsonify(code="InvalidParameterValue", parameter="unit",
                       description=f"unit is one of {', '.join(assessment.UNITS)}."), 400
    now = datetime.now(timezone.utc)
    try:
        start = (parse_datetime(request.args.get("from"), "from")
                 or now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        end = parse_datetime(request.args.get("to"), "to") or now
    except InvalidParameter as error:
        return jsonify(code="InvalidParameterValue", parameter=error.name, description=str(error)), 400
    if end <= start:
        return jsonify(code="InvalidParameterValue", parameter="from/to",
                       description="The period is empty: to must come after from."), 400
    with_patrol = request.args.get("patrol") in ("1", "true")
    if with_patrol and (unit != "grid" or end - start > MAX_PERIOD):
        return jsonify(code="InvalidParameterValue", parameter="patrol",
                       description="Patrol coverage joins the grid ranking (unit=grid) "
                                   "for a period of at most 31 days."), 400
    settings = current_app.config["GRIDMAP"]
    rules = settings.assessment
    rows = assessment.assess(db.session(), unit, start, end, current_scope(), rules)
    if with_patrol:
        rows = assessment.with_patrol(rows, patrol.coverage(db.session(), start, end, current_scope(),
                                                            settings.positions))
    if request.args.get("format") == "csv":
        response = Response(assessment.as_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename=assessment-{unit}.csv"
        return response
    return jsonify(unit=unit, start=start.isoformat(), end=end.isoformat(),
                   rules={"weights": {"on_time": rules.weight_on_time, "speed": rules.weight_speed,
                                      "satisfaction": rules.weight_satisfaction},
                          "star_thresholds": list(rules.star_thresholds),
                          "min_incidents": rules.min_incidents},
                   ranking=[r.as_dict() for r in rows])
