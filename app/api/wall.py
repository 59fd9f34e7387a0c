"""GET /api/v1/wall: the side panel of the command-center wall in one answer — today's counts,
the load per grid, the overdue list, the triage queue, the requests waiting for a decision,
the cases departments sent back and who did, each department's queue, the grid ranking of the
chosen period and, when the wall opens, the last events for its ticker. GET /api/v1/wall/extent:
where the wall's map opens."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..services.incidents import assessment, departments, statistics, views as incident_views
from ..services.live import stream, wall
from .params import parse_int

bp = Blueprint("wall", __name__, url_prefix="/api/v1")

OVERDUE_LIST = 50
TRIAGE_LIST = 30
REQUESTS_LIST = 30
RANKING = 20


@bp.get("/wall")
@requires("incidents:read")
def summary():
    """?period=today|7d|30d|month (the ranking's; default month) &recent=N (the last N events
    the user may see, newest first, for a ticker that opens; default none)."""
    settings = current_app.config["GRIDMAP"]
    now = datetime.now(ZoneInfo(settings.timezone))
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    period = statistics.period(request.args.get("period", "month"), now, settings.timezone)
    recent = parse_int(request.args.get("recent"), "recent", 0, 0, 100)
    session, scope, user = db.session(), current_scope(), current_user()
    # PostGIS's costs send every count over a month of a city's incidents past jit_above_cost:
    # compiling took 500 ms of the 600 the day's counts cost at scale 100
    statistics.without_jit(session)
    own_only = permits(user.role, "incidents:read") == "own"
    dispatcher = bool(permits(user.role, "incidents:dispatch"))

    def listed(filters: dict, limit: int, order: str) -> dict:
        found = incident_views.search(session, filters, scope, now, worker_id=user.worker_id,
                                      own_only=own_only, limit=limit, order=order)
        return {"total": found.total,
                "items": incident_views.without_unseen_links(session, found.items, scope, user.worker_id)}

    # cases a department sent back (退回), for the dispatcher to send on: who sent each, and why
    returned = listed({"returned": "true", "status": "reported"}, TRIAGE_LIST, "reported")
    back = wall.returns(session, [f["id"] for f in returned["items"]])
    for f in returned["items"]:
        f["properties"]["returned"] = back.get(f["id"])
    ranking = assessment.assess(session, "grid", period.start, period.end, scope, settings.assessment)
    return jsonify(
        now=now.isoformat(), day_start=day_start.isoformat(), timezone=settings.timezone,
        period=period.as_dict(),
        today=wall.today(session, scope, day_start), grid_load=wall.grid_load(session, scope, day_start),
        overdue=listed({"overdue": "true", "open": "true"}, OVERDUE_LIST, "lateness"),
        # citizens' reports an operator has to accept before anyone is sent
        triage=listed({"triage": "true", "status": "reported"}, TRIAGE_LIST, "reported"),
        returned=returned,
        # suspensions and extensions asked for (挂起 / 延期): the dispatcher decides on the card
        requests=wall.waiting_requests(session, scope, REQUESTS_LIST) if dispatcher else {"total": 0, "items": []},
        # each department's queue and how much of it is overdue
        departments=departments.queues(session, now) if dispatcher else [],
        # special grids (专属网格) are ranked among themselves (assessment.assess)
        ranking=[r.as_dict() for r in ranking if r.kind != "special"][:RANKING],
        ranking_special=[r.as_dict() for r in ranking if r.kind == "special"][:RANKING],
        recent=stream.recent(session, scope, user.worker_id, recent) if recent else [])


@bp.get("/wall/extent")
@requires("incidents:read")
def extent():
    """{"bbox": [west, south, east, north] | null}: where the wall's map opens, asked for before
    anything else so that its tiled layers ask only for tiles over the area it watches."""
    return jsonify(bbox=wall.extent(db.session(), current_scope()))
