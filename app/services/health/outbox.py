"""Messages to reporters for /healthz: per channel, whether it is configured, how many wait
(queued, retrying), how many were given up on (dead), and how long the oldest has waited; and
warnings — a backlog older than its bound, a channel holding messages with nothing to send
them, dead messages. A warning, never an outage: the messages are kept, not lost."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...config import NotifyRules
from ...messages import Message
from ..notify import outbox
from ..notify.sender import configured_channels


def outbox_status(session: Session, rules: NotifyRules) -> dict:
    """{channel: {"configured", "queued", "retrying", "dead", "oldest_waiting_s"}, "warnings":
    [(code, params)]}."""
    ready = set(configured_channels(rules))
    status: dict = {}
    warnings = []
    for channel, counts in outbox.backlog(session).items():
        status[channel] = {"configured": channel in ready, **counts}
        name = Message(f"notify.channel.{channel}")
        waited = counts["oldest_waiting_s"]
        if waited is not None and waited > rules.warn_minutes * 60:
            minutes = f"{waited / 60:.0f}"
            if channel in ready:
                warnings.append(("notify.waiting", {"channel": name, "minutes": minutes,
                                                    "bound": f"{rules.warn_minutes:g}"}))
            else:
                warnings.append(("notify.not_configured", {"channel": name, "minutes": minutes}))
        if counts["dead"]:
            warnings.append(("notify.dead", {"channel": name, "count": counts["dead"]}))
    status["warnings"] = warnings
    return status
