"""Users, for admins: list, create, change role/scope, disable. And for everyone, their own
account (/me): who they are, and the language the server answers them in."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from .. import db
from ..auth import current_user, requires
from ..auth.identity import forget_user
from ..models import AppUser, Area
from ..services.accounts import accounts
from .errors import Refused, refused

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")


def _as_json(session, user: AppUser) -> dict:
    area = session.get(Area, user.scope_area_id) if user.scope_area_id else None
    return dict(id=user.id, username=user.username, role=user.role, active=user.active,
                scope_area=area.code if area else None, scope_grids=user.scope_grid_codes or [],
                worker_id=user.worker_id, failed_logins=user.failed_logins,
                locked_until=user.locked_until and user.locked_until.isoformat())


def _bad(error: accounts.AccountError) -> Refused:
    return refused(422, "InvalidParameterValue", error)


@bp.get("")
@requires("users:manage")
def index():
    session = db.session()
    query = select(AppUser).order_by(AppUser.username)
    if request.args.get("role"):
        query = query.where(AppUser.role == request.args["role"])
    return jsonify(users=[_as_json(session, u) for u in session.scalars(query)])


@bp.post("")
@requires("users:manage")
def create():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidParameterValue", "users.body_create")
    session = db.session()
    try:
        user = accounts.create_user(session, str(body.get("username", "")), str(body.get("password", "")),
                                    str(body.get("role", "")), scope_area_code=body.get("scope_area"),
                                    scope_grid_codes=body.get("scope_grids"),
                                    worker_code=body.get("worker"))
    except accounts.AccountError as error:
        session.rollback()
        raise _bad(error) from None
    session.commit()
    forget_user(user.id)
    return jsonify(_as_json(session, user)), 201


@bp.patch("/<int:user_id>")
@requires("users:manage")
def change(user_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidParameterValue", "users.body_change")
    session = db.session()
    user = session.get(AppUser, user_id)
    if user is None:
        raise Refused(404, "NotFound", "users.not_found", id=user_id)
    try:
        if "role" in body:
            accounts.check_role(str(body["role"]))
            user.role = body["role"]
        if "scope_area" in body or "scope_grids" in body:
            accounts.set_scope(session, user, body.get("scope_area"), body.get("scope_grids"))
        if "active" in body:
            if body["active"]:
                user.active = True
            else:
                accounts.disable(session, user)
        if "password" in body:
            accounts.check_password(str(body["password"]))
            user.password_hash = accounts.hash_password(str(body["password"]))
            user.failed_logins, user.locked_until = 0, None
    except accounts.AccountError as error:
        session.rollback()
        raise _bad(error) from None
    session.commit()
    forget_user(user.id)
    return jsonify(_as_json(session, user))


# -- one's own account -------------------------------------------------------------------------

def _own(session, user: AppUser) -> dict:
    return {**_as_json(session, user), "language": user.language}


@bp.get("/me")
@requires("account:own")
def me():
    session = db.session()
    return jsonify(_own(session, session.get(AppUser, current_user().id)))


@bp.patch("/me")
@requires("account:own")
def change_me():
    """{"language": "zh" | "en" | null}: the language refusals and messages come in when a
    request's Accept-Language names neither (null: no choice, Chinese)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidParameterValue", "users.body_me")
    session = db.session()
    user = session.get(AppUser, current_user().id)
    if "language" in body:
        try:
            accounts.set_language(user, body["language"])
        except accounts.AccountError as error:
            session.rollback()
            raise refused(400, "InvalidParameterValue", error, parameter="language") from None
    session.commit()
    forget_user(user.id)        # this process's cached credentials carry the old setting
    return jsonify(_own(session, user))
