"""GET /healthz: is the database there (and if not, why), which PostGIS, how many rows per table,
how fresh the backups are, whether the messages to reporters are going out, and the read replica
when there is one."""
from __future__ import annotations

from datetime import datetime, timezone

import psycopg
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..auth import public
from ..messages import say
from ..services.health.backups import backup_status
from ..services.health.calendar import calendar_status
from ..services.health.database import database_status
from ..services.health.outbox import outbox_status
from ..services.health.replica import replica_status
from .errors import request_language

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        status = database_status(db.session())
        settings = current_app.config["GRIDMAP"]
        backup = backup_status(db.session(), settings, datetime.now(timezone.utc))
        notify = outbox_status(db.session(), settings.notify)
        calendar = calendar_status(db.session(), settings.working_hours, datetime.now(timezone.utc))
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
    language = request_language()
    if "managed_by" in backup:
        backup["message"] = say("backup.external", language)
    else:
        backup["warnings"] = [{"code": code, "message": say(code, language, **params)}
                              for code, params in backup["warnings"]]
    notify["warnings"] = [{"code": code, "message": say(code, language, **params)}
                          for code, params in notify["warnings"]]
    calendar["warnings"] = [{"code": code, "message": say(code, language, **params)}
                            for code, params in calendar["warnings"]]
    parts = {"backup": backup, "notify": notify, "calendar": calendar}
    seen = db.replica_seen()
    if seen is not None:
        replica = replica_status(seen.state, seen.lag_s, seen.reads, seen.max_lag_s, seen.retry_s)
        for said in ("warnings", "notes"):
            replica[said] = [{"code": code, "message": say(code, language, **params)}
                             for code, params in replica[said]]
        parts["replica"] = replica
    # a stale backup, a backlog of messages or a replica gone is no reason to take the server
    # out of service (the primary answers every read): a 200
    warned = any(part.get("warnings") for part in parts.values())
    return jsonify(status="warning" if warned else "ok", database="ok", **status, **parts)
