"""Sending what the outbox holds: `send_due` once (the tests, `flask notify send`), or a
`Sender` thread in each serving process, woken by the outbox's NOTIFY at the commit that
queued a message and looking every few seconds besides (for retries, and for what a missed
notice left).

Each message is its own transaction: claimed (row-locked, SKIP LOCKED), sent, marked sent,
committed. No two senders hold one message, and one sent is never claimed again — across
threads, processes, hosts and restarts. The one window for a second copy is a crash (or the
database gone) after the gateway took a message and before the commit; the copy carries the
same Message-ID / Idempotency-Key, for the receiver to drop. A dead gateway costs attempts,
not messages. A channel with nothing configured is not claimed: its messages wait.

Logs name a message by id and its contact masked (app/personal.py), never the contact."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import psycopg
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ...config import NotifyRules
from ...personal import masked
from . import mail, outbox, sms, texts
from .delivery import Undelivered

log = logging.getLogger(__name__)

BATCH = 20                  # messages per session before the thread looks at its stop flag
RECONNECT_SECONDS = 2.0


def configured_channels(rules: NotifyRules) -> list[str]:
    return [channel for channel, ready in (("sms", sms.configured(rules.sms)),
                                           ("email", mail.configured(rules.mail))) if ready]


@dataclass
class Round:
    """What one call of send_due did, by message id."""
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)       # to be tried again
    dead: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.dead) + len(self.cancelled)


Link = Callable[[str], "str | None"]     # a private link's seed → the link (given by the app)


def send_due(session: Session, rules: NotifyRules, zone: str, now: datetime | None = None,
             limit: int = 100, link: Link | None = None) -> Round:
    """Sends up to `limit` messages that are due, committing each; the session is left with
    no transaction open. A channel that fails once is left for the rest of the round: a
    gateway that is down costs one attempt per round, not one per waiting message. `link`
    makes the reporter's private link again for the message at close."""
    done, channels = Round(), configured_channels(rules)
    while channels and len(done) < limit:
        message = outbox.claim(session, channels, now)
        if message is None:
            break
        if not _deliver(session, message, rules, zone, now, done, link):
            channels.remove(message.channel)
        session.commit()
    session.rollback()
    return done


def _deliver(session: Session, message: outbox.Claimed, rules: NotifyRules, zone: str,
             now: datetime | None, done: Round, link: Link | None) -> bool:
    """Whether the channel took the message (or there was nowhere to send it)."""
    if not message.recipient:
        outbox.mark_cancelled(session, message, "no contact")
        log.info("notify: message %d (%s) cancelled: the reporter's contact is gone", message.id, message.channel)
        done.cancelled.append(message.id)
        return True
    to = masked(message.recipient)
    try:
        private_link = link(message.link_seed) if link and message.link_seed and message.step == "closed" else None
        words = texts.compose(message.step, message.said, message.language, zone, private_link)
    except Exception as error:     # a message that cannot be worded must not hold up those behind it
        log.exception("notify: message %d could not be put in words", message.id)
        status = outbox.mark_failed(session, message, f"words: {type(error).__name__}", rules, now)
        (done.dead if status == "dead" else done.failed).append(message.id)
        return True
    try:
        if message.channel == "sms":
            sms.send(rules.sms, message.recipient, words.body, message.key)
        else:
            mail.send(rules.mail, message.recipient, words.subject, words.body, message.key)
    except Undelivered as failure:
        status = outbox.mark_failed(session, message, failure.reason, rules, now)
        (done.dead if status == "dead" else done.failed).append(message.id)
        log.warning("notify: message %d (%s to %s) not delivered, attempt %d of %d: %s%s", message.id,
                    message.channel, to, message.attempts + 1, rules.max_attempts, failure.reason,
                    "; given up" if status == "dead" else "")
        return False
    outbox.mark_sent(session, message)
    done.sent.append(message.id)
    log.info("notify: message %d (%s %s to %s) sent", message.id, message.step, message.channel, to)
    return True


class Sender:
    """One per process: sends in a daemon thread until `stop`, which lets the message being
    sent finish (marked sent, or failed) — a message cut off mid-send is sent again later."""

    def __init__(self, new_session: Callable[[], Session], conninfo: Callable[[], str], rules: NotifyRules,
                 zone: str, link: Link | None = None):
        self._link = link
        self._new_session = new_session
        self._conninfo = conninfo
        self._rules = rules
        self._zone = zone
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._thread is None and configured_channels(self._rules):
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="gridmap-notify", daemon=True)
                    self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True, application_name="gridmap-notify") as conn:
                    conn.execute(f"LISTEN {outbox.CHANNEL}")
                    while not self._stop.is_set():
                        self._send_all_due()
                        self._wait(conn)
            except (psycopg.Error, SQLAlchemyError) as error:     # the database restarting
                log.warning("notify: sender lost the database (%s); trying again", type(error).__name__)
                self._stop.wait(RECONNECT_SECONDS)
            except Exception:
                log.exception("notify: sender failed; starting again")
                self._stop.wait(RECONNECT_SECONDS)

    def _send_all_due(self) -> None:
        session = self._new_session()
        try:
            while not self._stop.is_set() and len(send_due(session, self._rules, self._zone, limit=BATCH,
                                                                   link=self._link)) == BATCH:
                pass
        finally:
            session.close()

    def _wait(self, conn: psycopg.Connection) -> None:
        """Until a message is queued, the poll interval passes, or stop: in short slices, so a
        stop is heard within half a second."""
        waited = 0.0
        while waited < self._rules.poll_seconds and not self._stop.is_set():
            slice_ = min(0.5, self._rules.poll_seconds - waited)
            if any(True for _ in conn.notifies(timeout=slice_, stop_after=1)):
                return
            waited += slice_
