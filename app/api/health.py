"""GET /healthz: is the database there, which PostGIS, how many rows per table."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..auth import public
from ..services.health.database import database_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        status = database_status(db.session())
    except (SQLAlchemyError, OSError) as error:
        return jsonify(status="error", database="unreachable",
                       message=f"The database does not answer: {type(error).__name__}"), 503
    return jsonify(status="ok", database="ok", **status)
