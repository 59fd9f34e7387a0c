"""GET /api/v1/patrol: patrol coverage per grid for a period, best covered first; and
/api/v1/patrol/segments, the street chiefs' road segments. CSV too."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request

from .. import csvfile, db
from ..auth import requires
from ..auth.identity import current_scope
from ..messages import Said
from ..services.field import patrol
from .errors import described
from .params import InvalidParameter, parse_datetime

bp = Blueprint("patrol", __name__, url_prefix="/api/v1")

MAX_PERIOD = timedelta(days=31)


class BadPeriod(Said, ValueError):
    pass


@bp.errorhandler(BadPeriod)
def _bad_period(error):
    return jsonify(code="InvalidParameterValue", parameter="from/to", description=described(error)), 400


def _time(name: str, default: datetime, zone: ZoneInfo) -> datetime:
    try:
        return parse_datetime(request.args.get(name), name, zone) or default
    except InvalidParameter as error:
        raise BadPeriod(error.key, **error.params) from None


def period() -> tuple[datetime, datetime]:
    """?from=ISO&to=ISO, by default today so far where the city is."""
    zone = ZoneInfo(current_app.config["GRIDMAP"].timezone)
    now = datetime.now(zone)
    start = _time("from", now.replace(hour=0, minute=0, second=0, microsecond=0), zone)
    end = _time("to", now, zone)
    if end <= start or end - start > MAX_PERIOD:
        raise BadPeriod("param.period_span", days=MAX_PERIOD.days)
    return start, end


def _codes(name: str) -> list[str] | None:
    return [c for c in request.args.get(name, "").split(",") if c] or None


def _ranked(rows: list, start: datetime, end: datetime, filename: str, row_type, code):
    """Best covered first, ties by `code(row)`."""
    rows.sort(key=lambda r: (-(r.road_coverage or 0), code(r)))
    if request.args.get("format") == "csv":
        body = csvfile.table(["rank", *row_type.__dataclass_fields__], (
            [rank, *[";".join(v) if isinstance(v, list) else v for v in row.as_dict().values()]]
            for rank, row in enumerate(rows, start=1)))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
        return response
    return jsonify(start=start.isoformat(), end=end.isoformat(), road_reach_m=patrol.ROAD_REACH_M,
                   building_reach_m=patrol.BUILDING_REACH_M,
                   ranking=[{"rank": i, **r.as_dict()} for i, r in enumerate(rows, start=1)])


@bp.get("/patrol")
@requires("tracks:read")
def coverage():
    """?from=ISO&to=ISO (default: today so far) &grid=CODE,… &format=csv"""
    start, end = period()
    rows = patrol.coverage(db.session(), start, end, current_scope(),
                           current_app.config["GRIDMAP"].positions, _codes("grid"))
    return _ranked(rows, start, end, "patrol-coverage.csv", patrol.Row, lambda r: r.grid)


@bp.get("/patrol/segments")
@requires("tracks:read")
def segments():
    """Street chiefs' road segments: ?from=ISO&to=ISO &segment=CODE,… &format=csv"""
    start, end = period()
    rows = patrol.segment_coverage(db.session(), start, end, current_scope(),
                                   current_app.config["GRIDMAP"].positions, _codes("segment"))
    return _ranked(rows, start, end, "street-chief-coverage.csv", patrol.SegmentRow, lambda r: r.segment)
