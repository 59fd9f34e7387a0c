"""Pages: the city map, the command-center wall, the grid worker's phone view and the planner."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, render_template, request, send_from_directory
from sqlalchemy import select, text

from .. import db
from ..auth import current_user, permits, public, requires
from ..auth.identity import current_scope
from ..models import AppUser
from ..services.accounts.scope import Scope
from ..services.city.places import grids_named
from ..services.incidents import departments as incident_departments
from ..services.layers.features import COLLECTIONS
from ..services.live.wall import extent as watched_extent
from .basemap import for_page as basemap_for_page

bp = Blueprint("pages", __name__, template_folder="templates")


def _display_name(user) -> str | None:
    """The name people know the signed-in user by (their account name when none is set)."""
    return db.session().scalar(select(AppUser.display_name).where(AppUser.id == user.id))


def _readable(user) -> list[str]:
    """The layers this user's role may read: the page requests no other."""
    return [c.id for c in COLLECTIONS.values() if permits(user.role, c.permission)]


@bp.get("/")
@requires("layers:read", page=True)
def city_map():
    user = current_user()
    # Where the map opens and beyond which it asks for no tile: the reader's own area (the
    # wall's, which not every role reading layers may ask /api/v1/wall/extent for), and the
    # city's, for what is seen beyond it (roads, a grid worker's neighbouring grids); in the
    # page itself, so that the first tiles are asked for at once.
    session, scope = db.session(), current_scope()
    area = watched_extent(session, scope)
    city = area if scope.everything else watched_extent(session, Scope(everything=True))
    return render_template("map.html", user=user, collections=_readable(user), extent=area, city_extent=city,
                           csrf_token=g.get("csrf_token", ""), display_name=_display_name(user),
                           reads_access_log=bool(permits(user.role, "audit:read")))


@bp.get("/register/access-log")
@requires("audit:read", page=True)
def register_access_log():
    """Who read whose record in the register, when, from where and why (PIPL): the admin's
    page over GET /api/v1/register/access-log, with its filters and the CSV."""
    user = current_user()
    return render_template("access_log.html", user=user, csrf_token=g.get("csrf_token", ""),
                           display_name=_display_name(user), timezone=current_app.config["GRIDMAP"].timezone)


@bp.get("/wall")
@requires("incidents:read", page=True)
def wall():
    """The command-center wall: full screen, dark, live. ?kiosk=1 hides every control."""
    user = current_user()
    settings = current_app.config["GRIDMAP"]
    return render_template(
        "wall.html", user=user, collections=_readable(user), csrf_token=g.get("csrf_token", ""),
        kiosk=request.args.get("kiosk") == "1", basemap=basemap_for_page(settings.basemap),
        timezone=settings.timezone, pulse_seconds=settings.wall.pulse_seconds, alarm=settings.wall.alarm,
        months=_last_months(datetime.now(ZoneInfo(settings.timezone)), 12),
        display_name=_display_name(user),
        # the optional layers a kiosk opens with (it has no switcher): ?layers=heat,cameras
        layers=",".join(name for name in request.args.get("layers", "").split(",") if name in WALL_LAYERS),
        dispatcher=permits(user.role, "incidents:dispatch") == "all",
        camera_editor=bool(permits(user.role, "cameras:write")),
        register=bool(permits(user.role, "register:read")))


def _last_months(now: datetime, n: int) -> list[str]:
    """This month and the n − 1 before it, newest first: what the assessment report is asked for."""
    year, month = now.year, now.month
    months = []
    for _ in range(n):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


WALL_LAYERS = ("heat", "cameras", "coverage", "blind_spots", "chief_segments", "register")


@bp.get("/worker")
@requires("incidents:handle", page=True)
def worker():
    """A grid worker's phone: their grid, their tasks, reporting, and an outbox that keeps
    what was done without network until it is delivered."""
    user = current_user()
    return render_template("worker.html", user=user, collections=_readable(user),
                           csrf_token=g.get("csrf_token", ""),
                           grids=grids_named(db.session(), user.worker_id),
                           basemap=basemap_for_page(current_app.config["GRIDMAP"].basemap),
                           sends_positions=bool(user.worker_id) and permits(user.role, "positions:write") == "own")


@bp.get("/department")
@requires("incidents:department", page=True)
def department():
    """A department's staff (协同单位): the cases their department leads or helps with, each
    with its deadline, its history and the steps they may take — accept, handle, resolve,
    transfer to another department, return to the command center, a helper's part."""
    user = current_user()
    session = db.session()
    mine = session.execute(text("SELECT code, name_zh, name_en FROM department WHERE id = :d"),
                           {"d": user.department_id}).one()
    return render_template("department.html", user=user, csrf_token=g.get("csrf_token", ""),
                           display_name=_display_name(user), timezone=current_app.config["GRIDMAP"].timezone,
                           department={"code": mine.code, "zh": mine.name_zh, "en": mine.name_en},
                           departments=incident_departments.listed(session))


@bp.get("/worker-sw.js")
@public
def worker_service_worker():
    """The phone page's service worker (static/js/worker/sw.js), served from the root so that
    it may control /worker; it holds no data of its own, so anyone may read it."""
    response = send_from_directory(current_app.static_folder, "js/worker/sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/planner")
@requires("plans:read", page=True)
def planner():
    """Planners redraw grid lines with the problems shown as they draw; reviewers and filers
    take a plan on from the same page. ?plan=ID opens a plan."""
    user = current_user()
    return render_template(
        "planner.html", user=user, csrf_token=g.get("csrf_token", ""), display_name=_display_name(user),
        plan=request.args.get("plan", type=int) or "",
        basemap=basemap_for_page(current_app.config["GRIDMAP"].basemap),
        can_write=bool(permits(user.role, "plans:write")), can_review=bool(permits(user.role, "plans:review")),
        can_file=bool(permits(user.role, "plans:file")))
