"""flask calendar …: the working calendar limits in working time count on — a month's days,
and the city's own say on a day (a local holiday, a moved make-up day) over China's statutory
calendar. Said in --lang, else the locale's language, else Chinese."""
from __future__ import annotations

import re
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import LANGUAGES, Message, say
from ..services.city import work_calendar
from ..services.city.workdays import Day
from .words import Group, Refusal, option
from .words import language as locale_language      # the commands' `language` is their --lang

LANG = option("--lang", "language", type=click.Choice(LANGUAGES), help=Message("cli.help.lang"))


@click.group("calendar", cls=Group, help=Message("cli.help.calendar"))
def calendar_group():
    pass


@calendar_group.command("show", help=Message("cli.help.calendar.show"))
@click.argument("month")
@LANG
@with_appcontext
def show(month: str, language: str | None):
    said_in = language or locale_language()
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match[2]) <= 12:
        raise Refusal(Message("calendar.bad_month", value=month), said_in)
    hours = current_app.config["GRIDMAP"].working_hours
    days = work_calendar.calendar(db.session(), hours).month(int(match[1]), int(match[2]))
    working = sum(d.working for d in days)
    click.echo(say("calendar.month", said_in, month=month, working=working, rest=len(days) - working,
                   hours=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours.office_hours), zone=hours.timezone))
    for day in days:
        click.echo(line(day, said_in))


@calendar_group.command("set", help=Message("cli.help.calendar.set"))
@click.argument("day")
@option("--working/--rest", default=None, help=Message("cli.help.calendar.set.working"))
@option("--note", default="", help=Message("cli.help.calendar.set.note"))
@LANG
@with_appcontext
def set_(day: str, working: bool | None, note: str, language: str | None):
    said_in = language or locale_language()
    when = _day(day, said_in)
    if working is None:
        raise Refusal(Message("calendar.working_or_rest"), said_in)
    session = db.session()
    made = work_calendar.set_day(session, when, working, note)
    session.commit()
    click.echo(say(f"calendar.set.{'working' if working else 'rest'}", said_in, day=when.isoformat()))
    click.echo(line(made, said_in))


@calendar_group.command("unset", help=Message("cli.help.calendar.unset"))
@click.argument("day")
@LANG
@with_appcontext
def unset(day: str, language: str | None):
    said_in = language or locale_language()
    when = _day(day, said_in)
    session = db.session()
    now = work_calendar.unset_day(session, when)
    session.commit()
    if now is None:
        click.echo(say("calendar.nothing_to_unset", said_in, day=when.isoformat()))
        return
    click.echo(say("calendar.unset", said_in, day=when.isoformat()))
    click.echo(line(now, said_in))


def line(day: Day, language: str) -> str:
    """"2026-10-01 周四 休息 法定节假日：国庆节" / "2026-10-10 Sat working 调休 make-up working day (National Day)"."""
    if day.why == "override":
        why = Message("calendar.why.override", note=day.note) if day.note else Message("calendar.why.override_unsaid")
    elif day.why in ("holiday", "make_up"):
        why = Message(f"calendar.why.{day.why}", holiday=Message(f"holiday.{day.holiday}"))
    else:
        why = Message(f"calendar.why.{day.why}")
    words = say("calendar.line", language, day=day.day.isoformat(), weekday=Message(f"weekday.{day.day.weekday()}"),
                state=Message(f"calendar.state.{'working' if day.working else 'rest'}"), why=why).rstrip()
    if not day.known:
        words += " " + say("calendar.why.unknown", language, year=day.day.year)
    return words


def _day(value: str, language: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise Refusal(Message("calendar.bad_day", value=value), language) from None
