"""flask db-server start|stop|status (the embedded PostGIS) and flask db upgrade|downgrade."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..pgserver import Cluster, PgServerError


def _cluster() -> Cluster:
    settings = current_app.config["GRIDMAP"]
    return Cluster(settings.var_dir)


@click.group("db-server", help="The embedded PostGIS cluster under var/.")
def db_server():
    pass


@db_server.command("start")
@with_appcontext
def start():
    try:
        cluster = _cluster()
        cluster.start()
        cluster.ensure_database("gridmap")
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"PostGIS is running on 127.0.0.1:{cluster.port()} (data in {cluster.data_dir})")


@db_server.command("stop")
@with_appcontext
def stop():
    try:
        _cluster().stop()
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    click.echo("PostGIS stopped.")


@db_server.command("status")
@with_appcontext
def status():
    cluster = _cluster()
    if cluster.running():
        click.echo(f"running on 127.0.0.1:{cluster.port()} (data in {cluster.data_dir})")
    else:
        click.echo("stopped" if cluster.initialised() else "not initialised")
        raise SystemExit(3)


@click.group("db", help="Schema migrations (Alembic revisions in migrations/).")
def db_group():
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision):
    db.upgrade(db.url(), revision)
    click.echo(f"database at {db.current_revision(db.url())}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(revision):
    db.downgrade(db.url(), revision)
    click.echo(f"database at {db.current_revision(db.url())}")
