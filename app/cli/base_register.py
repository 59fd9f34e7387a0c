"""flask register …: the base register's command group, and `plates`, a grid's QR door plates
(扫码定责) as a PDF sheet to print (register_sheets.py adds the workbooks). Not register.py: that
name is this package's own `register`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Said, say
from ..services.accounts.scope import Scope
from ..services.register import plates as door_plates
from .assessment import locale_language
from .progress import Progress


@click.group("register", help="The grid's base register (人、房、单位): workbooks and door plates.")
def register_group():
    pass


@register_group.command("plates")
@click.option("--grid", "grid_code", required=True, help="the current grid's code")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), help="the plates' language  [default: zh]")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def plates(grid_code: str, language: str | None, out: Path):
    """Write the grid's door plates to OUT (a PDF): one per building entrance, each with its QR
    code to /q/<token> under GRIDMAP_PUBLIC_URL, the address, the grid, the community and the
    grid worker's name. Errors are said in --lang, else in the locale's language."""
    said_in = language or locale_language()
    settings = current_app.config["GRIDMAP"]
    if not settings.notify.public_url:
        # a code that leads to this machine's own address helps no resident
        raise click.ClickException(say("register.plates_no_url", said_in))
    progress = Progress(f"Door plates {grid_code}")
    try:
        sheet = door_plates.sheet(db.session(), Scope(everything=True), grid_code, settings.secret_key, progress)
    except Said as error:
        raise click.ClickException(error.describe(said_in)) from None
    printed = door_plates.pdf(sheet, settings.notify.public_url, language or DEFAULT_LANGUAGE, progress,
                              settings.timezone)
    progress.done()
    try:
        out.write_bytes(printed.pdf)
    except OSError as error:
        raise click.ClickException(say("assessment.not_written", said_in, path=str(out), error=error.strerror)) from None
    click.echo(say("register.plates_written", said_in, path=str(out.resolve()), plates=len(sheet.plates),
                   pages=printed.pages))
