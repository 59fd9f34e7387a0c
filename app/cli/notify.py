"""flask notify …: the messages to reporters — send what is due once (for cron, or to see it
go), and queue again those given up on."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import db
from ..services.notify import outbox
from ..services.notify.sender import configured_channels, send_due
from ..services.public import follow


@click.group("notify", help="Messages to reporters: send what is due, queue the dead again.")
def notify_group():
    pass


@notify_group.command("send")
@with_appcontext
def send():
    """Send every message that is due now, on the channels configured (the servers do this
    by themselves)."""
    settings = current_app.config["GRIDMAP"]
    if not configured_channels(settings.notify):
        raise click.ClickException("No channel is configured: set GRIDMAP_SMS_URL or GRIDMAP_SMTP_HOST "
                                   "(README, \"Telling the reporter\").")
    done = send_due(db.session(), settings.notify, settings.timezone, limit=10_000,
                    link=follow.link_maker(settings.notify.public_url, settings.secret_key))
    click.echo(f"{len(done.sent)} sent, {len(done.failed)} to be tried again, {len(done.dead)} given up, "
               f"{len(done.cancelled)} cancelled (no contact).")


@notify_group.command("retry")
@click.option("--channel", type=click.Choice(["sms", "email"]), default=None, help="only this channel's")
@with_appcontext
def retry(channel: str | None):
    """Queue the messages given up on (dead) again, from their first attempt."""
    session = db.session()
    count = outbox.retry_dead(session, channel)
    session.commit()
    click.echo(f"{count} message(s) queued again.")
