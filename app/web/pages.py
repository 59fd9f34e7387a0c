"""Pages. The demo map for now; the wall, worker and planner pages join it."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from ..auth import current_user, permits, requires
from ..services.features import COLLECTIONS

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.get("/")
@requires("layers:read", page=True)
def city_map():
    user = current_user()
    readable = [c.id for c in COLLECTIONS.values() if permits(user.role, c.permission)]
    return render_template("map.html", user=user, collections=readable,
                           csrf_token=g.get("csrf_token", ""))
