"""flask register …: the base register's command group, and `plates`, a grid's QR door plates
(扫码定责) as a PDF sheet to print (register_sheets.py adds the workbooks). Not register.py: that
name is this package's own `register`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import config, db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Message, Said
from ..services.accounts.scope import Scope
from ..services.register import plates as door_plates
from ..services.register import rotation
from .progress import Progress
from .words import Group, Refusal, echo, option
from .words import language as locale_language      # the commands' `language` is their --lang


@click.group("register", cls=Group, help=Message("cli.help.register"))
def register_group():
    pass


@register_group.command("plates", help=Message("cli.help.register.plates"))
@option("--grid", "grid_code", required=True, help=Message("cli.help.register.grid"))
@option("--lang", "language", type=click.Choice(LANGUAGES), help=Message("cli.help.register.plates.lang"))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def plates(grid_code: str, language: str | None, out: Path):
    said_in = language or locale_language()
    settings = current_app.config["GRIDMAP"]
    if not settings.notify.public_url:
        # a code that leads to this machine's own address helps no resident
        raise Refusal(Message("register.plates_no_url"), said_in)
    progress = Progress(Message("cli.register.plates_progress", grid=grid_code))
    try:
        sheet = door_plates.sheet(db.session(), Scope(everything=True), grid_code, settings.secret_key, progress)
    except Said as error:
        raise Refusal(error, said_in) from None
    printed = door_plates.pdf(sheet, settings.notify.public_url, language or DEFAULT_LANGUAGE, progress,
                              settings.timezone)
    progress.done()
    try:
        out.write_bytes(printed.pdf)
    except OSError as error:
        raise Refusal(Message("assessment.not_written", path=str(out), error=error.strerror), said_in) from None
    echo("register.plates_written", said_in, path=str(out.resolve()), plates=len(sheet.plates), pages=printed.pages)


@register_group.command("rotate-key", help=Message("cli.help.register.rotate_key"))
@with_appcontext
def rotate_key():
    progress = Progress(Message("cli.register.rotate_progress"))
    try:
        done = rotation.rotate(db.session(), config.register_previous_key(), config.register_key(), progress)
    except Said as error:
        raise Refusal(error) from None
    progress.done()
    echo("register.rotated", numbers=done.numbers, versions=done.versions, unreadable=done.unreadable)
