"""Bearer tokens for phones and scripts: POST with a username and password (or while signed
in) to get one; list and revoke them."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, request

from .. import db
from ..auth import current_user, permits, public, requires
from ..auth.identity import forget_token
from ..services.accounts import accounts
from .errors import Refused, refused

bp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens")


def _as_json(row, secret: str | None = None) -> dict:
    body = dict(id=row.id, name=row.name, prefix=row.prefix, user_id=row.user_id,
                created_at=row.created_at and row.created_at.isoformat(),
                last_used_at=row.last_used_at and row.last_used_at.isoformat(),
                expires_at=row.expires_at and row.expires_at.isoformat(),
                revoked=row.revoked_at is not None)
    if secret:
        body["token"] = secret
    return body


@bp.post("")
@public(rate="login")
def create():
    """Signed in: a token for yourself. Otherwise the JSON must carry username and password."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidBody", "tokens.body")
    session = db.session()
    user = current_user()
    if user is None:
        if not body.get("username") or not body.get("password"):
            raise Refused(400, "InvalidBody", "tokens.credentials_needed")
        try:
            user = accounts.authenticate(session, str(body["username"]), str(body["password"]))
        except accounts.AccountError as error:
            session.commit()        # the failure counts towards the lock-out
            raise refused(401, "Unauthorized", error) from None
    days = body.get("days")
    if days is not None and (not isinstance(days, int) or not 1 <= days <= 3650):
        raise Refused(400, "InvalidParameterValue", "tokens.days")
    try:
        row, secret = accounts.create_token(session, user, str(body.get("name") or "token"),
                                            timedelta(days=days) if days else None)
    except accounts.AccountError as error:
        raise refused(400, "InvalidParameterValue", error) from None
    session.commit()
    return jsonify(_as_json(row, secret)), 201


@bp.get("")
@requires("account:own")
def index():
    user = current_user()
    everyone = permits(user.role, "users:manage") == "all" and request.args.get("all") == "1"
    rows = accounts.tokens_of(db.session(), None if everyone else user)
    return jsonify(tokens=[_as_json(r) for r in rows])


@bp.delete("/<int:token_id>")
@requires("account:own")
def revoke(token_id: int):
    user = current_user()
    session = db.session()
    try:
        row = accounts.revoke_token(session, token_id, user, permits(user.role, "users:manage") == "all")
    except accounts.NoSuchToken as error:
        raise refused(404, "NotFound", error) from None
    session.commit()
    forget_token(row.token_hash)
    return jsonify(_as_json(row))
