"""Pages. The demo map for now; the wall, worker and planner pages join it."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.get("/")
def city_map():
    return render_template("map.html")
