"""GET /healthz: is the database there (and if not, why), which PostGIS, how many rows per table."""
from __future__ import annotations

import psycopg
from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..auth import public
from ..messages import say
from ..services.health.database import database_status
from .errors import request_language

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        status = database_status(db.session())
    except (SQLAlchemyError, psycopg.Error, OSError) as error:
        reason = db.unreachable(error)
        response = jsonify(status="error", database="unreachable" if reason else "error",
                           reason=reason or "query_failed",
                           message=say(f"database.down.{reason or 'query_failed'}", request_language(),
                                       error=type(error).__name__))
        response.status_code = 503
        # a load balancer or a client polling this knows when to look again
        response.headers["Retry-After"] = str(db.RETRY_AFTER_SECONDS)
        return response
    return jsonify(status="ok", database="ok", **status)
