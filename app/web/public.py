"""The residents' pages, for anyone, no account: /report (say where and what, with photos),
/r/<token> (the private link: follow one's own case, rate it once it is closed) and /public
(the public cases on a map and a list). Phone-sized first, Chinese first; everything they call
is /api/v1/public (app/api/public_reports.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, g, make_response, render_template, request

from .. import db
from ..api.errors import request_language
from ..auth import public
from ..messages import say
from ..services.public import basemap, follow as following, reporting
from ..services.register import plates
from .basemap import for_page as basemap_for_page

bp = Blueprint("public_pages", __name__, template_folder="templates")

# the language the pages' switch chose (static/js/public/page.js writes it), else the browser's
LANGUAGE_COOKIE = "gridmap_lang"


def page_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in ("zh", "en") else request_language()


def _page(template: str, status: int = 200, **values):
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    response = make_response(render_template(
        template, csrf_token=g.get("csrf_token", ""), timezone=settings.timezone,
        bounds=basemap.city_bounds(session), basemap=basemap_for_page(settings.basemap), **values), status)
    return response


@bp.get("/report")
@public(page=True)
def report():
    """Report a problem: the place on the map or by address, the kind, words, photos, and a
    contact to be told at (with consent). ?plate=<token> (from a door plate's page, /q/<token>)
    starts with the plate's building chosen."""
    found = request.args.get("plate") and plates.find(
        db.session(), current_app.config["GRIDMAP"].secret_key, request.args["plate"])
    return _page("report.html", categories=reporting.reportable(db.session()),
                 max_photos=reporting.MAX_PHOTOS, description_max=reporting.DESCRIPTION_MAX,
                 place=plates.report_place(found) if found else None)


@bp.get("/r/<token>")
@public(page=True)
def follow(token: str):
    """The private link. An unknown, malformed or expired one is a plain 404 that says no more
    than that (never whether a case code exists)."""
    found = following.find(db.session(), token, datetime.now(timezone.utc),
                           current_app.config["GRIDMAP"].incidents.link_days)
    if found is None:
        language = page_language()
        response = _page("link_not_found.html", 404, lang=language, message=say("report.not_found", language),
                         help=say("public.res_link_help", language), mine=say("public.res_my_reports", language),
                         report=say("report.report_a_problem", language))
    else:
        response = _page("follow.html", token=token)
    # the link is the key to one person's case: no cache keeps it, no search engine lists it
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/public")
@public(page=True)
def cases():
    """The public cases (公开信息): what view.py lets anyone see, on a map and in a list."""
    return _page("public.html", categories=reporting.reportable(db.session()))
