"""GET /api/v1/patrol: patrol coverage per grid for a period, best covered first; CSV too."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request

from .. import db
from ..auth import requires
from ..auth.identity import current_scope
from ..services import patrol

bp = Blueprint("patrol", __name__, url_prefix="/api/v1")


def _time(name: str, default: datetime, zone: ZoneInfo) -> datetime:
    value = request.args.get(name)
    if not value:
        return default
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


@bp.get("/patrol")
@requires("tracks:read")
def coverage():
    """?from=ISO&to=ISO (default: today so far) &grid=CODE,… &format=csv"""
    settings = current_app.config["GRIDMAP"]
    zone = ZoneInfo(settings.timezone)
    now = datetime.now(zone)
    try:
        start = _time("from", now.replace(hour=0, minute=0, second=0, microsecond=0), zone)
        end = _time("to", now, zone)
    except ValueError:
        return jsonify(code="InvalidParameterValue", parameter="from/to",
                       description="from and to are ISO 8601 times, e.g. 2026-11-23T08:00:00+08:00."), 400
    if end <= start or end - start > timedelta(days=31):
        return jsonify(code="InvalidParameterValue", parameter="from/to",
                       description="The period runs forwards and is at most 31 days."), 400
    grids = [g for g in request.args.get("grid", "").split(",") if g] or None
    rows = patrol.coverage(db.session(), start, end, current_scope(), settings.positions, grids)
    rows.sort(key=lambda r: (-(r.road_coverage or 0), r.grid))
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        fields = list(patrol.Row.__dataclass_fields__)
        writer.writerow(["rank", *fields])
        for rank, row in enumerate(rows, start=1):
            writer.writerow([rank, *[";".join(v) if isinstance(v, list) else v for v in row.as_dict().values()]])
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = "attachment; filename=patrol-coverage.csv"
        return response
    return jsonify(start=start.isoformat(), end=end.isoformat(), road_reach_m=patrol.ROAD_REACH_M,
                   building_reach_m=patrol.BUILDING_REACH_M,
                   ranking=[{"rank": i, **r.as_dict()} for i, r in enumerate(rows, start=1)])
