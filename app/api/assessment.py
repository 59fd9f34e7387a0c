"""GET /api/v1/assessment: the ranking table (考核) for a unit and a period, JSON or CSV;
GET /api/v1/assessment/report.pdf: a month's assessment as a printable report."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request

from .. import db
from ..auth import current_user, requires
from ..auth.identity import current_scope
from ..messages import LANGUAGES, Said
from ..services.field import patrol
from ..services.incidents import assessment, assessment_report
from ..services.register import figures
from ..services.register.access import Reader
from .errors import Refused, refused, request_language
from .params import InvalidParameter, parse_datetime
from .patrol import MAX_PERIOD

bp = Blueprint("assessment", __name__, url_prefix="/api/v1")


@bp.get("/assessment")
@requires("incidents:read")
def ranking():
    """?unit=grid|worker|community|street|department&from=ISO&to=ISO&format=csv (default: this
    month); &patrol=1 (grids, a period of at most 31 days) joins each grid's patrol coverage and
    the share of its registered houses visited.
    Departments have their returns, transfers and help besides (assessment.py says who counts
    what); a department's staff get their own department's row."""
    unit = request.args.get("unit", "grid")
    if unit not in assessment.UNITS:
        raise Refused(400, "InvalidParameterValue", "param.one_of", extra={"parameter": "unit"},
                      name="unit", known=assessment.UNITS)
    now = datetime.now(timezone.utc)
    try:
        start = (parse_datetime(request.args.get("from"), "from")
                 or now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        end = parse_datetime(request.args.get("to"), "to") or now
    except InvalidParameter as error:
        raise refused(400, "InvalidParameterValue", error, parameter=error.name) from None
    if end <= start:
        raise Refused(400, "InvalidParameterValue", "param.period_empty", extra={"parameter": "from/to"})
    with_patrol = request.args.get("patrol") in ("1", "true")
    if with_patrol and (unit != "grid" or end - start > MAX_PERIOD):
        raise Refused(400, "InvalidParameterValue", "assessment.patrol", extra={"parameter": "patrol"},
                      days=MAX_PERIOD.days)
    settings = current_app.config["GRIDMAP"]
    rules = settings.assessment
    rows = assessment.assess(db.session(), unit, start, end, current_scope(), rules)
    if with_patrol:
        rows = assessment.with_patrol(rows, patrol.coverage(db.session(), start, end, current_scope(),
                                                            settings.positions))
        # visits (走访) beside patrols: shares of houses only, so no person is read
        grids = figures.per_grid(db.session(), Reader(f"user:{current_user().username}", current_scope()), start, end)
        rows = assessment.with_visits(rows, {g["grid"]: g["visited_share"] for g in grids})
    if request.args.get("format") == "csv":
        response = Response(assessment.as_csv(rows, unit), mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename=assessment-{unit}.csv"
        return response
    return jsonify(unit=unit, start=start.isoformat(), end=end.isoformat(),
                   rules={"weights": {"on_time": rules.weight_on_time, "speed": rules.weight_speed,
                                      "satisfaction": rules.weight_satisfaction},
                          "star_thresholds": list(rules.star_thresholds),
                          "min_incidents": rules.min_incidents},
                   ranking=[r.as_dict() for r in rows])


@bp.get("/assessment/report.pdf")
@requires("incidents:read")
def report():
    """?month=YYYY-MM (a calendar month in the city's time zone; default: this one)&lang=zh|en
    (default: the request's language): the month's assessment within the reader's scope, as a PDF."""
    settings = current_app.config["GRIDMAP"]
    month = request.args.get("month") or datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m")
    language = request.args.get("lang") or request_language()
    if language not in LANGUAGES:
        raise Refused(400, "InvalidParameterValue", "param.one_of", extra={"parameter": "lang"},
                      name="lang", known=LANGUAGES)
    try:
        gathered = assessment_report.gather(db.session(), month, current_scope(), settings.assessment,
                                            settings.timezone)
    except Said as error:
        raise refused(400, "InvalidParameterValue", error, parameter="month") from None
    response = Response(assessment_report.pdf(gathered, language).pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=assessment-{gathered.month}.pdf"
    return response
