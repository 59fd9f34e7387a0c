"""flask notify …: the messages to reporters — send what is due once (for cron, or to see it
go), and queue again those given up on."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..messages import Message
from ..services.notify import outbox
from ..services.notify.sender import configured_channels, send_due
from ..services.public import follow
from .words import Group, Refusal, echo, option


@click.group("notify", cls=Group, help=Message("cli.help.notify"))
def notify_group():
    pass


@notify_group.command("send", help=Message("cli.help.notify.send"))
@with_appcontext
def send():
    settings = current_app.config["GRIDMAP"]
    if not configured_channels(settings.notify):
        raise Refusal(Message("cli.notify.no_channel"))
    done = send_due(db.session(), settings.notify, settings.timezone, limit=10_000,
                    link=follow.link_maker(settings.notify.public_url, settings.secret_key))
    echo("cli.notify.sent", sent=len(done.sent), failed=len(done.failed), dead=len(done.dead),
         cancelled=len(done.cancelled))


@notify_group.command("retry", help=Message("cli.help.notify.retry"))
@option("--channel", type=click.Choice(["sms", "email"]), default=None, help=Message("cli.help.notify.retry.channel"))
@with_appcontext
def retry(channel: str | None):
    session = db.session()
    count = outbox.retry_dead(session, channel)
    session.commit()
    echo("cli.notify.queued", count=count)
