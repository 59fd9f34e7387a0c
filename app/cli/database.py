"""flask db-server start|stop|status|backup|backups|restore (the embedded PostGIS), flask
db-server replica start|stop|status (its streaming replica) and flask db upgrade|downgrade."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import Message
from ..pgserver import REPLICATION_SLOT, Cluster, PgServerError, Slot
from .progress import Bar
from .words import Group, Refusal, echo, language, option


def _cluster() -> Cluster:
    return db.embedded_cluster(current_app.config["GRIDMAP"])


def _embedded_only() -> None:
    if not current_app.config["GRIDMAP"].embedded:
        raise Refusal(Message("backup.external"))


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["GRIDMAP"].timezone)).isoformat(" ", "seconds")


@click.group("db-server", cls=Group, help=Message("cli.help.db_server"))
def db_server():
    pass


@db_server.command("start", help=Message("cli.help.db_server.start"))
@with_appcontext
def start():
    try:
        cluster = _cluster()
        cluster.start()
        cluster.ensure_database("gridmap")
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    echo("cli.db_server.running", port=cluster.port(), data=str(cluster.data_dir))


@db_server.command("stop", help=Message("cli.help.db_server.stop"))
@with_appcontext
def stop():
    cluster = _cluster()
    try:
        # its replica first: one left running knocks at the stopped primary, and still holds a
        # port and memory when the primary's data is removed (make clean-db). Stopped on
        # purpose: the app is not alarmed by it, and `replica start` starts it again
        replica_stopped = cluster.replica().stop(on_purpose=True)
        cluster.stop()
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    echo("cli.db_server.stopped")
    if replica_stopped:
        echo("cli.db_server.replica.stopped_too", data=str(cluster.replica().data_dir))


@db_server.command("status", help=Message("cli.help.db_server.status"))
@with_appcontext
def status():
    cluster = _cluster()
    running = cluster.running()
    if running:
        echo("cli.db_server.status.running", port=cluster.port(), data=str(cluster.data_dir))
    else:
        echo("cli.db_server.status.stopped" if cluster.initialised() else "cli.db_server.status.uninitialised")
    copy = cluster.replica()
    if copy.initialised():
        if copy.running():
            echo("cli.db_server.status.replica_running", port=copy.port(), data=str(copy.data_dir))
        else:
            echo("cli.db_server.status.replica_stopped" if copy.stopped_on_purpose()
                 else "cli.db_server.status.replica_down", data=str(copy.data_dir))
    if running:
        try:
            _say_slot(cluster.replication_slot())
        except PgServerError as error:
            raise click.ClickException(str(error)) from None
    if not running:
        raise SystemExit(3)


def _say_slot(slot: Slot | None) -> None:
    """The replica's slot on the primary, and the WAL it holds there: a slot no replica
    receives through keeps every WAL file written since, until the disk is full."""
    if slot is None:
        return
    size = (slot.retained_bytes or 0) / 1e6
    echo("cli.db_server.slot.active" if slot.active else "cli.db_server.slot.idle", slot=slot.name, size=size)


@db_server.command("backup", help=Message("cli.help.db_server.backup"))
@option("--keep", type=click.IntRange(min=1), default=None, help=Message("cli.help.db_server.backup.keep"))
@with_appcontext
def backup(keep):
    _embedded_only()
    settings = current_app.config["GRIDMAP"]
    cluster = _cluster()
    try:
        problem = cluster.archiving_problem() if cluster.running() else None
        with Bar(Message("cli.db_server.backup_bar")) as progress:
            taken = cluster.backup(keep or settings.backups.keep, progress)
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    kept = cluster.backups.base_backups()
    echo("cli.db_server.backed_up", path=str(taken.path), size=taken.size() / 1e6, kept=len(kept),
         since=_local(kept[0].finished_at))
    if problem:
        echo("cli.db_server.archive_warning", problem=problem, err=True)


@db_server.command("backups", help=Message("cli.help.db_server.backups"))
@with_appcontext
def backups():
    _embedded_only()
    store = _cluster().backups
    kept = store.base_backups()
    if not kept:
        echo("cli.db_server.no_backup", path=str(store.base_dir))
        return
    for base in kept:
        echo("cli.db_server.backup_line", name=base.name, at=_local(base.finished_at), size=base.size() / 1e6)
    archived = store.last_archived_at()
    echo("cli.db_server.archived", path=str(store.wal_dir),
         until=_local(archived) if archived else Message("cli.db_server.archived_none"))


@db_server.command("restore", help=Message("cli.help.db_server.restore"))
@option("--to", "to", required=True, metavar="TIME|latest", help=Message("cli.help.db_server.restore.to"))
@option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
        help=Message("cli.help.db_server.restore.into"))
@with_appcontext
def restore(to, into):
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
    where = {"base": restored.base.name, "port": running.port(), "data": str(running.data_dir)}
    if moment:
        echo("cli.db_server.restored", moment=_local(moment), **where)
    else:
        echo("cli.db_server.restored_latest", **where)
    if restored.replaced:
        echo("cli.db_server.replaced", path=str(restored.replaced))
    if target:
        echo("cli.db_server.beside", path=str(running.var_dir))


@db_server.group("replica", cls=Group, help=Message("cli.help.db_server.replica"))
def replica():
    pass


@replica.command("start", help=Message("cli.help.db_server.replica.start"))
@with_appcontext
def replica_start():
    _embedded_only()
    try:
        # only a first start copies, and shows a bar
        with Bar(Message("cli.db_server.replica_bar")) as progress:
            copy = _cluster().start_replica(progress)
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    echo("cli.db_server.replica.running", port=copy.port(), data=str(copy.data_dir),
         bound=current_app.config["GRIDMAP"].replica.max_lag_s)


@replica.command("stop", help=Message("cli.help.db_server.replica.stop"))
@option("--remove", is_flag=True, help=Message("cli.help.db_server.replica.stop.remove"))
@with_appcontext
def replica_stop(remove):
    _embedded_only()
    cluster = _cluster()
    made = cluster.replica().initialised()
    try:
        cluster.stop_replica(remove)
        # what the slot left behind holds now, and keeps holding while the replica is stopped
        slot = cluster.replication_slot() if not remove and cluster.running() else None
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    if remove:
        echo("cli.db_server.replica.removed")
        return
    if not made:
        echo("cli.db_server.replica.absent")
    else:
        echo("cli.db_server.replica.stopped")
    if slot is not None:
        _say_slot(slot)
    elif made:
        echo("cli.db_server.slot.unknown")


@replica.command("status", help=Message("cli.help.db_server.replica.status"))
@with_appcontext
def replica_status():
    _embedded_only()
    try:
        found = _cluster().replica_status()
    except PgServerError as error:
        raise click.ClickException(str(error)) from None
    copy = found.cluster
    if found.state == "absent":
        echo("cli.db_server.replica.absent")
        raise SystemExit(3)
    if found.state in ("stopped", "down"):
        echo(f"cli.db_server.replica.status_{found.state}", data=str(copy.data_dir))
        if found.retained_bytes is not None:
            echo("cli.db_server.slot.idle", slot=REPLICATION_SLOT, size=found.retained_bytes / 1e6)
        raise SystemExit(3)
    echo("cli.db_server.replica.status", port=copy.port(), data=str(copy.data_dir), state=found.state)
    if found.behind_bytes is not None:
        echo("cli.db_server.replica.lag", bytes=found.behind_bytes,
             lag="?" if found.lag_s is None else f"{found.lag_s:.1f}")
    if found.paused:
        echo("cli.db_server.replica.paused")


def _moment(text: str, timezone: str) -> datetime | None:
    if text == "latest":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(Message("cli.db_server.bad_moment", value=repr(text)).say(language()),
                                 param_hint="--to") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


@click.group("db", cls=Group, help=Message("cli.help.db"))
def db_group():
    pass


@db_group.command("upgrade", help=Message("cli.help.db.upgrade"))
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision):
    db.upgrade(db.url(), revision)
    echo("cli.db.at", revision=db.current_revision(db.url()))


@db_group.command("downgrade", help=Message("cli.help.db.downgrade"))
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(revision):
    db.downgrade(db.url(), revision)
    echo("cli.db.at", revision=db.current_revision(db.url()))
