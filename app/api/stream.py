"""GET /api/v1/stream: Server-Sent Events of incident steps and worker positions, filtered by
the user's scope, resumable with Last-Event-ID. A stream ends when what let it in no longer
does (a token revoked, an account disabled or rescoped: the hub hears of it from any process)
and at its maximum age; the browser reconnects and is let in afresh.

This view answers the opening: who asks, what they may see, what they missed. Under the
event-loop server (app/asgi.py, what `flask serve` routes streams to) it hands the live part
to the loop through `HOLD` in the environ; under a plain WSGI server it writes it itself, a
thread per stream."""
from __future__ import annotations

import threading

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.engine import make_url

from .. import db
from ..auth import current_user, identity, permits, requires
from ..auth.identity import current_credential, current_scope
from ..services.live import stream
from .errors import Refused

bp = Blueprint("stream", __name__, url_prefix="/api/v1")
_hub_lock = threading.Lock()
HOLD = "gridmap.stream.hold"     # environ: hold(subscription, heartbeat) takes the live part over


def hub(app: Flask) -> stream.Hub:
    """The process's one listener, started on the first subscriber or the first credential
    cached (after a fork, so each gunicorn worker has its own)."""
    if "gridmap.stream" not in app.extensions:
        with _hub_lock:
            if "gridmap.stream" not in app.extensions:
                database = app.extensions["gridmap.db"]
                rules = app.config["GRIDMAP"].incidents
                def address() -> str:       # read again at each reconnect (db.py re-reads var/pgport)
                    # PostgreSQL itself, past a pooler: LISTEN and the sequencer's lock
                    url = make_url(database.listen_url).set(drivername="postgresql")
                    return url.render_as_string(hide_password=False)
                the_hub = stream.Hub(address,
                                     sessions=database.new_session,
                                     max_age=rules.stream_max_age_seconds or None,
                                     recheck_seconds=rules.stream_recheck_seconds)
                the_hub.on_account_change(lambda user_id: identity.account_changed(app, user_id))
                app.extensions["gridmap.stream"] = the_hub
    return app.extensions["gridmap.stream"]


@bp.record_once
def _hear_account_changes(state) -> None:
    # the credential caches live in the auth layer, the listener here: wired at app start
    app = state.app
    identity.hear_account_changes(app, lambda: hub(app).listen(wait=False))


@bp.get("/stream")
@requires("incidents:read")
def events():
    user = current_user()
    scope = current_scope()
    session = db.session()
    sent = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    if sent is not None and not sent.strip().isdigit():
        raise Refused(400, "InvalidParameterValue", "stream.last_event_id", sent=sent)
    if request.method == "HEAD":
        # headers only: a stream subscribed for a body no one reads would never be let go
        return Response(mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})
    reach = permits(user.role, "incidents:read")
    worker_id = user.worker_id
    audience = stream.Audience.of(session, scope, reach, permits(user.role, "tracks:read"), worker_id)
    the_hub = hub(current_app._get_current_object())
    # subscribed before the log is read: no gap between
    subscription = the_hub.subscribe(audience, current_credential())
    if sent is not None:
        start = int(sent)
        backlog = stream.replay(session, start, scope, worker_id)
    else:
        start, backlog = stream.latest_event_id(session), []
    truncated = len(backlog) >= stream.REPLAY_LIMIT
    session.rollback()      # the stream holds no database connection while it is open
    heartbeat = current_app.config["GRIDMAP"].incidents.stream_heartbeat_seconds
    hold = request.environ.get(HOLD)
    if hold is not None and not truncated:
        hold(subscription, heartbeat)         # the server unsubscribes when the stream ends
        body = stream.opening(subscription, backlog, (start, truncated))
    else:
        def body():
            try:
                yield from stream.frames(the_hub, subscription, backlog, heartbeat, (start, truncated))
            finally:
                the_hub.unsubscribe(subscription)
        body = body()

    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"     # a reverse proxy must not hold events back
    return response
