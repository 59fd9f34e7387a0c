"""Gridmap: the map a grid-based community governance system runs on."""
from __future__ import annotations

from flask import Flask

from . import db
from .config import ROOT, load_settings


def create_app(test_config: dict | None = None) -> Flask:
    """`test_config` may hold DATABASE_URL and any Settings field to override."""
    test_config = dict(test_config or {})
    url = test_config.pop("DATABASE_URL", None)
    settings = load_settings(test_config)
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.update(SECRET_KEY=settings.secret_key, GRIDMAP=settings, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # Chinese names stay readable in API answers

    db.init_app(app, url or (lambda: db.database_url(settings)))

    from .web.assets import init_assets
    init_assets(app)

    from .api import health, ogcapi
    from .web import pages
    app.register_blueprint(health.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(pages.bp)

    from .cli import register
    register(app)
    return app
