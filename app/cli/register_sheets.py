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
from ..messages import LANGUAGES, Said, say
from ..services.accounts import audit
from ..services.accounts.scope import Scope
from ..services.register import access, exporting, importing, template as register_template, workbooks
from .assessment import locale_language
from .progress import Progress
from .base_register import register_group

LANG = click.option("--lang", "language", type=click.Choice(LANGUAGES),
                    help="the language of the messages and the file  [default: the locale's, else zh]")


def command_line_reader() -> access.Reader:
    return access.Reader(actor=audit.current().name, scope=Scope(everything=True),
                         permissions=frozenset(access.PERMISSIONS))


def _written(path: Path, content: bytes, said_in: str) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise click.ClickException(say("assessment.not_written", said_in, path=str(path), error=error.strerror)) from None


@register_group.command("template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--grid", "grid_code", help="list only this grid's buildings  [default: every building]")
@LANG
@with_appcontext
def template(path: Path, grid_code: str | None, language: str | None):
    """Write an empty workbook to PATH (.xlsx) for houses, residents and organisations: row 1
    the headers, row 2 the field names the import reads, a sheet listing the buildings (their
    codes and addresses, by which a row names its building) and a guide."""
    said_in = language or locale_language()
    try:
        content, buildings = register_template.workbook(db.session(), command_line_reader(), said_in, grid_code)
    except Said as error:
        raise click.ClickException(error.describe(said_in)) from None
    _written(path, content, said_in)
    click.echo(say("register.template.written", said_in, path=str(path.resolve()), buildings=buildings))


@register_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and write the report, but change nothing")
@LANG
@with_appcontext
def import_(path: Path, dry_run: bool, language: str | None):
    """Import PATH (.xlsx: the sheets 房屋, 实有人口 and 单位, as the template lays them out). Each
    row is added, or updates the entry it already is (a house by building, entrance, floor and
    room; a person by ID number, else name and house; an organisation by credit code, else name
    and building), each change a new version; a row breaking a rule is refused. The report of
    every refused row and why is written beside PATH as NAME.report.xlsx, numbers masked."""
    said_in = language or locale_language()
    progress = Progress(path.name)
    try:
        outcome = importing.from_file(db.session(), command_line_reader(), path, said_in, dry_run, progress,
                                      datetime.now(timezone.utc), current_app.config["GRIDMAP"].timezone)
    except workbooks.Unreadable:
        raise click.ClickException(say("register.import.unreadable", said_in, path=str(path))) from None
    except Said as error:
        raise click.ClickException(error.describe(said_in)) from None
    except OSError as error:      # the report could not be written beside the file
        raise click.ClickException(say("register.import.report_not_written", said_in,
                                       path=str(error.filename or path), error=error.strerror)) from None
    finally:
        progress.done()
    for kind, tally in outcome.tallies.items():
        click.echo(say("register.import.tally", said_in, sheet=outcome.titles[kind], **vars(tally)))
    for sheet, column in outcome.ignored:
        click.echo(say("register.import.column_ignored", said_in, sheet=sheet, column=column))
    if dry_run:
        click.echo(say("register.import.dry_run", said_in))
    click.echo(say("register.import.report", said_in, path=str(outcome.report.resolve())))


@register_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--grid", "grid_code", required=True, help="the current grid's code")
@click.option("--reason", required=True, help="why (2 to 200 characters): logged and printed in the file")
@LANG
@with_appcontext
def export(path: Path, grid_code: str, reason: str, language: str | None):
    """Write the grid's houses, residents and organisations to PATH (.xlsx), ID numbers and
    phones masked, with who took it, when and why in the file; the access log records the
    export, its reason and everyone in it. The file imports again as it is."""
    said_in = language or locale_language()
    session = db.session()
    try:
        made = exporting.grid_register(session, command_line_reader(), grid_code, reason, said_in,
                                       datetime.now(timezone.utc), current_app.config["GRIDMAP"].timezone)
    except Said as error:
        raise click.ClickException(error.describe(said_in)) from None
    _written(path, made.content, said_in)
    session.commit()            # the access log's rows, once the file exists
    click.echo(say("register.export.written", said_in, path=str(path.resolve()), units=made.counts["unit"],
                   residents=made.counts["resident"], organisations=made.counts["organisation"]))
