"""flask commands. Each long one shows progress and can be run again safely."""
from __future__ import annotations

from functools import update_wrapper

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..messages import Message
from ..pgserver import PgServerError
from .words import Refusal

# The commands that migrate the database need it to exist; those that start it, not even
# that; every other one needs its schema. The servers ride out a database that is down for
# now (requests get a 503 until it is back, README): they refuse only one that answers
# without the database or its schema.
BEFORE_THE_SCHEMA = ("db", "setup-demo")
BEFORE_THE_DATABASE = ("db-server",)
SERVERS = ("serve", "serve-streams", "serve-hosts")
UPGRADE = "flask --app app db upgrade"


def register(app: Flask) -> None:
    from . import assessment, cameras, data, database, incidents, notify, positions, serve, users
    from . import base_register, calendar, hosts
    from . import register_sheets  # noqa: F401  (adds template, import and export to `flask register`)
    app.cli.add_command(database.db_server)
    app.cli.add_command(database.db_group)
    app.cli.add_command(data.import_group)
    app.cli.add_command(data.generate_group)
    app.cli.add_command(data.setup_demo)
    app.cli.add_command(users.users_group)
    app.cli.add_command(incidents.incidents_group)
    app.cli.add_command(incidents.simulate)
    app.cli.add_command(serve.serve)
    app.cli.add_command(serve.serve_streams)
    app.cli.add_command(hosts.serve_hosts)
    app.cli.add_command(positions.positions_group)
    app.cli.add_command(cameras.cameras_group)
    app.cli.add_command(assessment.assessment_group)
    app.cli.add_command(notify.notify_group)
    app.cli.add_command(calendar.calendar_group)
    app.cli.add_command(base_register.register_group)
    for name, command in app.cli.commands.items():
        if name not in BEFORE_THE_DATABASE:
            _after_the_check(command, schema=name not in BEFORE_THE_SCHEMA, outage=name in SERVERS)


def _after_the_check(command: click.Command, schema: bool, outage: bool = False) -> None:
    """The command runs once the database is ready (`check_database`), so that a missing
    database or schema is one sentence saying what to run, not a traceback from the first
    query. Commands are module objects shared by every app made: each is wrapped once."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _after_the_check(sub, schema, outage)
        return
    run = command.callback
    if run is None or getattr(run, "checks_database", False):
        return

    @with_appcontext
    def checked(*args, **kwargs):
        check_database(schema, outage)
        return run(*args, **kwargs)
    command.callback = update_wrapper(checked, run)
    command.callback.checks_database = True


def check_database(schema: bool = True, outage: bool = False) -> None:
    """Refuses a database that cannot be reached (unless `outage` may pass), does not exist or
    (with `schema`) is not migrated to this code's schema, each with what to run."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        raw = db.url()
        url = make_url(raw)
        with db.engine().connect() as connection:
            revisions = set(MigrationContext.configure(connection).get_current_heads())
    except PgServerError as error:          # the embedded cluster could not start
        if outage:
            return
        raise click.ClickException(str(error)) from None
    except SQLAlchemyError as error:
        reason = db.unreachable(error)
        if reason == "no_database":
            raise Refusal(Message("cli.database.missing", database=url.database, host=url.host, port=url.port,
                                  user=url.username, upgrade=UPGRADE)) from None
        if reason is None:
            raise
        if outage:
            return
        raise Refusal(Message("cli.database.unreachable", host=url.host, port=url.port, reason=reason)) from None
    if not schema:
        return
    if not revisions:
        raise Refusal(Message("cli.database.no_schema", database=url.database, upgrade=UPGRADE))
    heads = set(ScriptDirectory.from_config(db.alembic_config(raw)).get_heads())
    if revisions != heads:
        raise Refusal(Message("cli.database.behind", database=url.database, revisions=sorted(revisions),
                              heads=sorted(heads), upgrade=UPGRADE))
