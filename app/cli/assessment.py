"""flask assessment report: the month's assessment (考核) as a printable PDF."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .. import db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Message, Said
from ..services.accounts.scope import Scope
from ..services.incidents import assessment_report
from .progress import Progress
from .words import Group, Refusal, echo, option
from .words import language as locale_language      # the commands' `language` is their --lang


@click.group("assessment", cls=Group, help=Message("cli.help.assessment"))
def assessment_group():
    pass


@assessment_group.command("report", help=Message("cli.help.assessment.report"))
@option("--month", required=True, help=Message("cli.help.assessment.report.month"))
@option("--out", type=click.Path(dir_okay=False, path_type=Path), help=Message("cli.help.assessment.report.out"))
@option("--lang", "language", type=click.Choice(LANGUAGES), help=Message("cli.help.assessment.report.lang"))
@option("--street", help=Message("cli.help.assessment.report.street"))
@with_appcontext
def report(month: str, out: Path | None, language: str | None, street: str | None):
    said_in = language or locale_language()
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    scope = Scope(everything=True)
    if street:
        street_id = session.execute(text("SELECT id FROM area WHERE level = 'street' AND code = :code"),
                                    {"code": street}).scalar()
        if street_id is None:
            raise Refusal(Message("assessment.no_street", code=street), said_in)
        scope = Scope(area_id=street_id)
    progress = Progress(Message("cli.assessment.progress", month=month))
    try:
        gathered = assessment_report.gather(session, month, scope, settings.assessment, settings.timezone)
    except Said as error:
        raise Refusal(error, said_in) from None
    progress("streets", len(gathered.streets))
    progress("grids", len(gathered.grids))
    progress("departments", len(gathered.departments))
    printed = assessment_report.pdf(gathered, language or DEFAULT_LANGUAGE)
    progress("pages", printed.pages)
    progress.done()
    out = out or Path(f"assessment-{month}.pdf")
    try:
        out.write_bytes(printed.pdf)
    except OSError as error:
        raise Refusal(Message("assessment.not_written", path=str(out), error=error.strerror), said_in) from None
    echo("assessment.written", said_in, path=str(out.resolve()), pages=printed.pages)
