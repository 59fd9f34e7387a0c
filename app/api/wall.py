"""GET /api/v1/wall: the side panel of the command-center wall in one answer — today's counts,
the load per grid, the overdue list and the grid ranking of the month."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify

from .. import db
from ..auth import current_user, permits, requires
from ..auth.identity import current_scope
from ..services.incidents import assessment, views as incident_views
from ..services.live import wall

bp = Blueprint("wall", __name__, url_prefix="/api/v1")

OVERDUE_LIST = 50
RANKING = 20


@bp.get("/wall")
@requires("incidents:read")
def summary():
    settings = current_app.config["GRIDMAP"]
    now = datetime.now(ZoneInfo(settings.timezone))
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    session, scope, user = db.session(), current_scope(), current_user()
    overdue = incident_views.search(
        session, {"overdue": "true", "open": "true"}, scope, now, worker_id=user.worker_id,
        own_only=permits(user.role, "incidents:read") == "own", limit=OVERDUE_LIST, order="lateness")
    ranking = assessment.assess(session, "grid", day_start.replace(day=1), now, scope, settings.assessment)
    return jsonify(
        now=now.isoformat(), day_start=day_start.isoformat(), timezone=settings.timezone,
        today=wall.today(session, scope, day_start), grid_load=wall.grid_load(session, scope),
        overdue={"total": overdue.total,
                 "items": incident_views.without_unseen_links(session, overdue.items, scope, user.worker_id)},
        ranking=[r.as_dict() for r in ranking[:RANKING]])
