"""The outbox (migration 0026): messages to reporters, queued in the transaction of the step
they tell of, so a step is told if and only if it committed; claimed by a sender with
`FOR UPDATE SKIP LOCKED`, so no two senders — threads, processes or hosts — hold one message;
marked sent in that same transaction once the gateway has taken it.

A failed attempt is tried again after a delay that doubles from `retry_seconds` up to
`retry_max_seconds`, each jittered (half of it fixed, half random) so that messages failed
together by one outage do not return together; after `max_attempts` a message is left `dead`,
shown by /healthz until `retry_dead` queues it again. Times are the database's unless the
caller gives one (the tests drive the clock)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import NotifyRules
from ...models import MESSAGE_CHANNELS, OutboxMessage

CHANNEL = "gridmap_outbox"      # NOTIFY at the commit that queued a message (migration 0026)


def queue(session: Session, *, incident_id: int, event_id: int, channel: str, step: str, language: str,
          said: dict, department_id: int | None = None) -> OutboxMessage:
    """A message to send once the caller's transaction commits: to the reporter, or to a
    department's duty phone or mailbox."""
    message = OutboxMessage(incident_id=incident_id, event_id=event_id, channel=channel, step=step,
                            language=language, params=said, department_id=department_id)
    session.add(message)
    return message


@dataclass(frozen=True)
class Claimed:
    """A message held by this transaction until it commits, with where it goes."""
    id: int
    key: str
    channel: str
    step: str
    language: str
    said: dict
    attempts: int
    recipient: str | None       # the incident's contact now; None once it has been erased
    link_seed: str | None       # what the reporter's private link is made from (public/reporting.py)


_CLAIM = text("""
    SELECT o.id, o.key, o.channel, o.step, o.language, o.params, o.attempts,
           CASE WHEN o.department_id IS NOT NULL THEN
                    (SELECT CASE o.channel WHEN 'sms' THEN d.duty_phone ELSE d.duty_email END
                     FROM department d WHERE d.id = o.department_id)
                WHEN o.channel = 'sms' THEN i.reporter_phone ELSE i.reporter_email END AS recipient,
           i.reporter_link_seed
    FROM outbox_message o JOIN incident i ON i.id = o.incident_id
    WHERE o.status = 'pending' AND o.next_attempt_at <= coalesce(CAST(:now AS timestamptz), now())
      AND o.channel = ANY(:channels)
    ORDER BY o.next_attempt_at, o.id
    LIMIT 1
    FOR UPDATE OF o SKIP LOCKED""")


def claim(session: Session, channels: list[str], now: datetime | None = None) -> Claimed | None:
    """The most overdue message on one of `channels` that no other transaction holds."""
    row = session.execute(_CLAIM, {"now": now, "channels": list(channels)}).first()
    if row is None:
        return None
    return Claimed(row.id, str(row.key), row.channel, row.step, row.language, row.params, row.attempts,
                   row.recipient, row.reporter_link_seed)


def mark_sent(session: Session, message: Claimed) -> None:
    session.execute(text("""
        UPDATE outbox_message SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = :id"""), {"id": message.id})


def mark_failed(session: Session, message: Claimed, reason: str, rules: NotifyRules,
                now: datetime | None = None) -> str:
    """'pending' again after a backoff, or 'dead' at the last attempt; the status it is left in."""
    attempts = message.attempts + 1
    status = "dead" if attempts >= rules.max_attempts else "pending"
    session.execute(text("""
        UPDATE outbox_message SET status = :status, attempts = :attempts, last_error = :reason,
               next_attempt_at = coalesce(CAST(:now AS timestamptz), now()) + make_interval(secs => :delay)
        WHERE id = :id"""), {"id": message.id, "status": status, "attempts": attempts, "reason": reason[:200],
                             "now": now, "delay": backoff(attempts, rules)})
    return status


def mark_cancelled(session: Session, message: Claimed, reason: str) -> None:
    session.execute(text("UPDATE outbox_message SET status = 'cancelled', last_error = :reason WHERE id = :id"),
                    {"id": message.id, "reason": reason})


def backoff(attempts: int, rules: NotifyRules) -> float:
    """Seconds before the next try after `attempts` failed ones."""
    delay = min(rules.retry_max_seconds, rules.retry_seconds * 2 ** (attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def retry_dead(session: Session, channel: str | None = None) -> int:
    """Dead messages queued again, from their first attempt (`flask notify retry`)."""
    return session.execute(text("""
        UPDATE outbox_message SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE status = 'dead' AND (CAST(:channel AS text) IS NULL OR channel = :channel)"""),
        {"channel": channel}).rowcount


def backlog(session: Session) -> dict[str, dict]:
    """Per channel: messages waiting their first try (queued), waiting to be tried again
    (retrying), given up on (dead), and how long the oldest waiting one has waited."""
    counts = {channel: {"queued": 0, "retrying": 0, "dead": 0, "oldest_waiting_s": None}
              for channel in MESSAGE_CHANNELS}
    for row in session.execute(text("""
            SELECT channel,
                   count(*) FILTER (WHERE status = 'pending' AND attempts = 0) AS queued,
                   count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
                   count(*) FILTER (WHERE status = 'dead') AS dead,
                   extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')) AS oldest
            FROM outbox_message WHERE status IN ('pending', 'dead') GROUP BY channel""")):
        counts[row.channel] = {"queued": row.queued, "retrying": row.retrying, "dead": row.dead,
                               "oldest_waiting_s": None if row.oldest is None else round(float(row.oldest))}
    return counts
