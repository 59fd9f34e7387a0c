"""flask register template | import | export: the register's Excel workbooks (房屋, 实有人口, 单位)
as community offices hand them over and ask for them. Said in --lang, else the locale's
language (LANG=zh_CN.UTF-8 → Chinese, en_US → English), else Chinese; the import's report and
the files are written in the same language.

The commands act as the operating-system user ("cli:<user>", the audit log's name for them),
with every permission and the whole city in scope: whoever runs them runs the server."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import LANGUAGES, Message, Said
from ..services.accounts import audit
from ..services.accounts.scope import Scope
from ..services.register import access, exporting, importing, template as register_template, workbooks
from .progress import Progress
from .base_register import register_group
from .words import Refusal, echo, option
from .words import language as locale_language      # the commands' `language` is their --lang

LANG = option("--lang", "language", type=click.Choice(LANGUAGES), help=Message("cli.help.register.lang"))


def command_line_reader() -> access.Reader:
    return access.Reader(actor=audit.current().name, scope=Scope(everything=True),
                         permissions=frozenset(access.PERMISSIONS))


def _written(path: Path, content: bytes, said_in: str) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise Refusal(Message("assessment.not_written", path=str(path), error=error.strerror), said_in) from None


@register_group.command("template", help=Message("cli.help.register.template"))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@option("--grid", "grid_code", help=Message("cli.help.register.template.grid"))
@LANG
@with_appcontext
def template(path: Path, grid_code: str | None, language: str | None):
    said_in = language or locale_language()
    try:
        content, buildings = register_template.workbook(db.session(), command_line_reader(), said_in, grid_code)
    except Said as error:
        raise Refusal(error, said_in) from None
    _written(path, content, said_in)
    echo("register.template.written", said_in, path=str(path.resolve()), buildings=buildings)


@register_group.command("import", help=Message("cli.help.register.import"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--dry-run", is_flag=True, help=Message("cli.help.register.import.dry_run"))
@LANG
@with_appcontext
def import_(path: Path, dry_run: bool, language: str | None):
    said_in = language or locale_language()
    progress = Progress(path.name)
    try:
        outcome = importing.from_file(db.session(), command_line_reader(), path, said_in, dry_run, progress,
                                      datetime.now(timezone.utc), current_app.config["GRIDMAP"].timezone)
    except workbooks.Unreadable:
        raise Refusal(Message("register.import.unreadable", path=str(path)), said_in) from None
    except Said as error:
        raise Refusal(error, said_in) from None
    except OSError as error:      # the report could not be written beside the file
        raise Refusal(Message("register.import.report_not_written", path=str(error.filename or path),
                              error=error.strerror), said_in) from None
    finally:
        progress.done()
    for kind, tally in outcome.tallies.items():
        echo("register.import.tally", said_in, sheet=outcome.titles[kind], **vars(tally))
    for sheet, column in outcome.ignored:
        echo("register.import.column_ignored", said_in, sheet=sheet, column=column)
    if dry_run:
        echo("register.import.dry_run", said_in)
    echo("register.import.report", said_in, path=str(outcome.report.resolve()))


@register_group.command("export", help=Message("cli.help.register.export"))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@option("--grid", "grid_code", required=True, help=Message("cli.help.register.grid"))
@option("--reason", required=True, help=Message("cli.help.register.export.reason"))
@LANG
@with_appcontext
def export(path: Path, grid_code: str, reason: str, language: str | None):
    said_in = language or locale_language()
    session = db.session()
    try:
        made = exporting.grid_register(session, command_line_reader(), grid_code, reason, said_in,
                                       datetime.now(timezone.utc), current_app.config["GRIDMAP"].timezone)
    except Said as error:
        raise Refusal(error, said_in) from None
    _written(path, made.content, said_in)
    session.commit()            # the access log's rows, once the file exists
    echo("register.export.written", said_in, path=str(path.resolve()), units=made.counts["unit"],
         residents=made.counts["resident"], organisations=made.counts["organisation"])
