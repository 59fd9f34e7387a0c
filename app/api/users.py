"""Users, for admins: list, create, change role/scope, disable."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from .. import db
from ..auth import requires
from ..auth.identity import forget_user
from ..models import AppUser, Area
from ..services.accounts import accounts

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")


def _as_json(session, user: AppUser) -> dict:
    area = session.get(Area, user.scope_area_id) if user.scope_area_id else None
    return dict(id=user.id, username=user.username, role=user.role, active=user.active,
                scope_area=area.code if area else None, scope_grids=user.scope_grid_codes or [],
                worker_id=user.worker_id, failed_logins=user.failed_logins,
                locked_until=user.locked_until and user.locked_until.isoformat())


def _bad(message: str, status: int = 400):
    return jsonify(code="InvalidParameterValue", description=message), status


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
        return _bad("Send JSON: username, password, role, and scope_area or scope_grids.")
    session = db.session()
    try:
        user = accounts.create_user(session, str(body.get("username", "")), str(body.get("password", "")),
                                    str(body.get("role", "")), scope_area_code=body.get("scope_area"),
                                    scope_grid_codes=body.get("scope_grids"),
                                    worker_code=body.get("worker"))
    except accounts.AccountError as error:
        session.rollback()
        return _bad(str(error), 422)
    session.commit()
    forget_user(user.id)
    return jsonify(_as_json(session, user)), 201


@bp.patch("/<int:user_id>")
@requires("users:manage")
def change(user_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("Send JSON with any of: role, scope_area, scope_grids, active, password.")
    session = db.session()
    user = session.get(AppUser, user_id)
    if user is None:
        return jsonify(code="NotFound", description=f"There is no user {user_id}."), 404
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
            if len(str(body["password"])) < accounts.MIN_PASSWORD:
                raise accounts.AccountError(f"A password has at least {accounts.MIN_PASSWORD} characters.")
            user.password_hash = accounts.hash_password(str(body["password"]))
            user.failed_logins, user.locked_until = 0, None
    except accounts.AccountError as error:
        session.rollback()
        return _bad(str(error), 422)
    session.commit()
    forget_user(user.id)
    return jsonify(_as_json(session, user))
