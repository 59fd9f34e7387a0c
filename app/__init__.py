"""Gridmap: the map a grid-based community governance system runs on."""
from __future__ import annotations

from flask import Flask

from . import db
from .config import ROOT, load_settings


def create_app(test_config: dict | None = None) -> Flask:
    """`test_config` may hold DATABASE_URL and any Settings field to override."""
    test_config = dict(test_config or {})
    url = test_config.pop("DATABASE_URL", None)
    if url:     # a database named here is named as DATABASE_URL names one: not the embedded demo
        test_config.setdefault("database_url", url)
    settings = load_settings(test_config)
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.update(SECRET_KEY=settings.secret_key, GRIDMAP=settings, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # Chinese names stay readable in API answers

    db.init_app(app, url or (lambda: db.database_url(settings)), settings.database_listen_url)
    if settings.proxies:
        # behind `flask serve`'s nginx every request comes from nginx: the client's address
        # (rate limits, sessions, the audit) is the one nginx was asked from
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies)
    _refuse_unsafe_production(app, settings)

    from .web.assets import init_assets
    init_assets(app)

    from .api import errors, input as request_input
    errors.init_app(app)
    request_input.init_app(app)
    from . import auth
    auth.init_app(app)

    from .api import (assessment, audit, cameras, charts, departments, health, incidents, open311, patrol, places,
                      plans, positions, public_reports, register, stream, tokens, users, wall)
    from .api.layers import edits as ogcapi_edits, ogcapi, ogctiles, tiles
    from .web import login, pages, plates as plate_pages, public as public_pages
    for blueprint in (health.bp, ogcapi.bp, tiles.bp, ogctiles.bp, tokens.bp, users.bp, audit.bp,
                      incidents.bp, stream.bp, open311.bp, assessment.bp, wall.bp, charts.bp, positions.bp, patrol.bp, places.bp, cameras.bp, plans.bp,
                      ogcapi_edits.bp, login.bp,
                      pages.bp, public_reports.bp, public_pages.bp, departments.bp, register.bp, plate_pages.bp):
        app.register_blueprint(blueprint)
    auth.check_every_endpoint(app)   # refuses to start if any endpoint lacks a policy
    from .api.http import compress_json, replica_marks
    app.after_request(compress_json)
    app.after_request(replica_marks)

    _start_clock_on_first_request(app, settings)
    _send_to_reporters(app, settings)

    from .cli import register
    register(app)
    return app


def _start_clock_on_first_request(app: Flask, settings) -> None:
    """The escalation clock runs in serving processes only (not in `flask import …`), so
    it starts with the first request rather than with the app."""
    if settings.incidents.tick_seconds <= 0:
        return
    from .services.live.ticker import Ticker
    ticker = Ticker(lambda: app.extensions["gridmap.db"].new_session(), settings.incidents.tick_seconds,
                    settings.timezone, settings.positions)
    app.extensions["gridmap.ticker"] = ticker
    app.before_request(ticker.start)


def _send_to_reporters(app: Flask, settings) -> None:
    """Messages to reporters go out from serving processes, like the clock: the servers start
    the sender when a process is ready (app/gunicorn_conf.py, app/asgi.py) and stop it when it
    ends; the first request starts it under any other server. With no channel configured
    there is none: the messages wait in the outbox."""
    from .services.notify.sender import Sender, configured_channels
    if not configured_channels(settings.notify):
        return
    from sqlalchemy.engine import make_url
    database = app.extensions["gridmap.db"]

    def address() -> str:       # read again at each reconnect (the embedded cluster's port may move)
        return make_url(database.listen_url).set(drivername="postgresql").render_as_string(hide_password=False)
    from .services.public.follow import link_maker
    sender = Sender(database.new_session, address, settings.notify, settings.timezone,
                    link_maker(settings.notify.public_url, settings.secret_key))
    app.extensions["gridmap.notify"] = sender
    app.before_request(sender.start)


def _refuse_unsafe_production(app: Flask, settings) -> None:
    if not settings.production:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from .config import DEV_REGISTER_KEY, DEV_SECRET
    from .services.accounts import accounts
    problems = []
    if settings.secret_key == DEV_SECRET or len(settings.secret_key) < 32:
        problems.append("set SECRET_KEY to a random string of at least 32 characters")
    if settings.register_key == DEV_REGISTER_KEY or len(settings.register_key) < 32:
        problems.append("set GRIDMAP_REGISTER_KEY to a random string of at least 32 characters, kept apart "
                        "from the backups (it encrypts the register's ID numbers and phones)")
    try:
        with app.app_context():
            weak = accounts.accounts_with_demo_password(db.session(), {"demo", settings.demo_password})
    except (SQLAlchemyError, OSError):
        weak = []       # no database yet: nothing to check
    if weak:
        problems.append(f"these active accounts still have a demo password: {', '.join(weak)}")
    if not settings.secure_cookies:
        problems.append("cookies must be Secure (unset GRIDMAP_SECURE_COOKIES)")
    if problems:
        raise RuntimeError("GRIDMAP_ENV=production refuses to start: " + "; ".join(problems) + ".")
