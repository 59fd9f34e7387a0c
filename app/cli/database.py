"""flask db-server start|stop|status|backup|backups|restore (the embedded PostGIS) and
flask db upgrade|downgrade."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import say
from ..pgserver import Cluster, PgServerError


def _cluster() -> Cluster:
    return db.embedded_cluster(current_app.config["GRIDMAP"])


def _embedded_only() -> None:
    if not current_app.config["GRIDMAP"].embedded:
        raise click.ClickException(say("backup.external", "en"))


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["GRIDMAP"].timezone)).isoformat(" ", "seconds")


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


@db_server.command("backup")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="base backups to keep [default: GRIDMAP_BACKUP_KEEP, 7]")
@with_appcontext
def backup(keep):
    """A base backup into the backup directory; the newest KEEP and the WAL after them stay."""
    _embedded_only()
    settings = current_app.config["GRIDMAP"]
    cluster = _cluster()
    try:
        problem = cluster.archiving_problem() if cluster.running() else None
        with ExitStack() as shown:
            bar = None

            def progress(done: int) -> None:     # the bar appears once pg_basebackup is under way
                nonlocal bar
                bar = bar or shown.enter_context(
                    click.progressbar(length=100, label="base backup", file=sys.stderr))
                bar.update(done - bar.pos)
            taken = cluster.backup(keep or settings.backups.keep, progress)
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    kept = cluster.backups.base_backups()
    click.echo(f"base backup {taken.path} ({taken.size() / 1e6:.1f} MB); {len(kept)} kept, "
               f"restorable from {_local(kept[0].finished_at)} on")
    if problem:
        click.echo(f"Warning: {problem} Until then this base backup restores the moment it was taken, "
                   "not later ones.", err=True)


@db_server.command("backups")
@with_appcontext
def backups():
    """The base backups kept, and how far the WAL archive reaches."""
    _embedded_only()
    store = _cluster().backups
    kept = store.base_backups()
    if not kept:
        click.echo(f"no base backup in {store.base_dir}")
        return
    for base in kept:
        click.echo(f"{base.name}  finished {_local(base.finished_at)}  {base.size() / 1e6:.1f} MB")
    archived = store.last_archived_at()
    click.echo(f"WAL archived in {store.wal_dir} until {_local(archived) if archived else '(none yet)'}")


@db_server.command("restore")
@click.option("--to", "to", required=True, metavar="TIME|latest",
              help="the moment to bring back, e.g. 2026-11-24T08:00:00+08:00 (without an offset: "
                   "in GRIDMAP_TIMEZONE), or latest: as far as the archive reaches")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="a new directory to restore into, beside the live cluster, which keeps running "
                   "[default: in place of the live cluster, which must be stopped]")
@with_appcontext
def restore(to, into):
    """Brings the cluster back from its backups as it was at a moment, and starts it."""
    _embedded_only()
    settings = current_app.config["GRIDMAP"]
    moment = _moment(to, settings.timezone)
    cluster = _cluster()
    target = Cluster(into, archive_timeout=settings.backups.archive_timeout_s) if into else None
    try:
        restored = cluster.restore(moment, target)
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    running = restored.cluster
    click.echo(f"Restored to {_local(moment) if moment else 'the latest moment archived'} from base backup "
               f"{restored.base.name}: running on 127.0.0.1:{running.port()} (data in {running.data_dir}).")
    if restored.replaced:
        click.echo(f"The data directory it replaced is kept in {restored.replaced}; delete it once "
                   "you are satisfied.")
    if target:
        click.echo(f"The live cluster is untouched. GRIDMAP_VAR_DIR={running.var_dir} serves this one "
                   "(flask db-server stop, with the same variable, stops it).")


def _moment(text: str, timezone: str) -> datetime | None:
    if text == "latest":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither latest nor a date and time such as "
                                 "2026-11-24T08:00:00+08:00.", param_hint="--to") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


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
