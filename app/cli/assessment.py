"""flask assessment report: the month's assessment (考核) as a printable PDF."""
from __future__ import annotations

import os
import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .. import db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Said, say
from ..services.accounts.scope import Scope
from ..services.incidents import assessment_report
from .progress import Progress


@click.group("assessment", help="The assessment (考核): rankings and stars as a printable report.")
def assessment_group():
    pass


@assessment_group.command("report")
@click.option("--month", required=True, help="the calendar month, YYYY-MM, in the city's time zone")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="the PDF to write  [default: assessment-YYYY-MM.pdf in this directory]")
@click.option("--lang", "language", type=click.Choice(LANGUAGES),
              help="the report's language  [default: zh]")
@click.option("--street", help="a street's code: the report of that street alone")
@with_appcontext
def report(month: str, out: Path | None, language: str | None, street: str | None):
    """Write the month's assessment as a PDF: the whole area's figures, the rankings of
    streets, communities, grids and workers with charts, the departments' ranking (with their
    returns, transfers and help), then a page for each street. Errors
    are said in --lang, else in the locale's language (LANG=en_US.UTF-8), else in Chinese."""
    said_in = language or locale_language()
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    scope = Scope(everything=True)
    if street:
        street_id = session.execute(text("SELECT id FROM area WHERE level = 'street' AND code = :code"),
                                    {"code": street}).scalar()
        if street_id is None:
            raise click.ClickException(say("assessment.no_street", said_in, code=street))
        scope = Scope(area_id=street_id)
    progress = Progress(f"Assessment {month}")
    try:
        gathered = assessment_report.gather(session, month, scope, settings.assessment, settings.timezone)
    except Said as error:
        raise click.ClickException(error.describe(said_in)) from None
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
        raise click.ClickException(say("assessment.not_written", said_in, path=str(out), error=error.strerror)) from None
    click.echo(say("assessment.written", said_in, path=str(out.resolve()), pages=printed.pages))


def locale_language() -> str:
    """The language of the process's locale (LC_ALL, else LC_MESSAGES, else LANG) when it is
    zh or en, else Chinese."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            language = re.split(r"[_.@-]", value)[0].lower()
            return language if language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE
