"""/q/<token>: where a door plate's QR code leads (扫码定责). Anyone sees the building's address,
its grid, community and worker (a name, nothing personal), and a button to report a problem
there; someone signed in who may read that building's register — its grid worker — is taken
to the building's register on the worker page instead. Tokens: services/register/plates.py."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for

from .. import db
from ..auth import current_scope, current_user, permits, policy_of, public
from ..messages import say
from ..services.register import plates
from .public import _page, page_language

bp = Blueprint("plates", __name__, template_folder="templates")


def _opens_register(session, plate: plates.Plate) -> bool:
    """Whether the one asking may read this building's register and open the page showing it."""
    user = current_user()
    if user is None or not permits(user.role, "register:read"):
        return False
    worker_page = policy_of(current_app.view_functions["pages.worker"])
    return (permits(user.role, worker_page.permission) is not None
            and current_scope().holds(session, "building", plate.building_id))


@bp.get("/q/<token>")
@public(page=True)
def plate(token: str):
    session = db.session()
    found = plates.find(session, current_app.config["GRIDMAP"].secret_key, token)
    if found is None:
        language = page_language()
        response = _page("plate_not_found.html", 404, lang=language, message=say("register.plate_not_found", language),
                         help=say("register.plate_not_found_help", language),
                         report=say("register.plate_report", language))
    elif _opens_register(session, found):
        # the worker page's own view of the building (#register/building/<id>) opens it
        response = redirect(f"{url_for('pages.worker')}#register/building/{found.building_id}")
    else:
        response = _page("plate.html", plate=plates.page_view(found), token=token)
    # one address, two answers (signed in or not): no shared cache may keep either
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Cookie"
    return response
