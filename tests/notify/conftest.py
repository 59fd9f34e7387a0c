"""What telling the reporter is tested against: a real SMTP server (aiosmtpd) and a real HTTP
receiver standing for the SMS gateway, both on loopback ports, recording what arrived; and
cases filed through the loop with a resident's consented contact."""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from app import db
from app.config import IncidentRules, MailServer, NotifyRules, SmsGateway
from app.services.incidents import loop
from app.services.incidents.loop import Participant
from tests.conftest import free_port

OPERATOR = Participant("user:t_operator", dispatcher=True)
ZONE = "Asia/Shanghai"


# -- the SMTP server ---------------------------------------------------------------------------

@dataclass
class Mail:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content().strip()


class Recorder:
    """aiosmtpd's handler: keeps every message it accepted; `delay` makes it a slow server."""

    def __init__(self):
        self.mails: list[Mail] = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.mails.append(Mail(list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on one port, stopped and started again on that same port."""

    def __init__(self, **options):
        self.port = free_port()
        self.recorder = Recorder()
        self.options = options
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.recorder.mails if address in m.to]


@pytest.fixture()
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


# -- the SMS gateway -------------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict | None
    answered: int


@dataclass
class SmsReceiver:
    """A local HTTP server standing for the SMS gateway: records every request and answers
    with the statuses queued in `answers` (then 200)."""
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    answers: deque = field(default_factory=deque)
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def to(self, phone: str) -> list[Request]:
        return [r for r in self.requests if phone in ((r.body or {}).get("phone"), r.query.get("to"))]

    def delivered_to(self, phone: str) -> list[Request]:
        return [r for r in self.to(phone) if r.answered == 200]


def _handler(receiver: SmsReceiver):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            status = receiver.answers.popleft() if receiver.answers else 200
            if receiver.delay:
                time.sleep(receiver.delay)
            receiver.requests.append(Request(self.command, parts.path,
                                             {k: v[0] for k, v in parse_qs(parts.query).items()},
                                             {k.lower(): v for k, v in self.headers.items()},
                                             json.loads(raw) if raw else None, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, *args):       # the gateway's own log is not ours to check
            pass
    return Handler


@pytest.fixture()
def sms():
    receiver = SmsReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture()
def rules(smtp, sms):
    """Both channels configured, retries quick enough for a test."""
    return NotifyRules(sms=SmsGateway(url=sms.url, timeout_s=5),
                       mail=MailServer(host="127.0.0.1", port=smtp.port, tls="none",
                                       sender="gridmap@city.example.cn", timeout_s=5),
                       retry_seconds=10, retry_max_seconds=60, max_attempts=5, poll_seconds=0.2)


# -- cases with a reporter ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def grid_point(app):
    with app.app_context():
        return tuple(db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
            WHERE valid_to IS NULL ORDER BY code OFFSET 2 LIMIT 1""")).one())


def a_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def an_email() -> str:
    return f"r{uuid.uuid4().hex[:10]}@resident.example.cn"


@dataclass
class Cases:
    """Files cases through the loop with a reporter's contact; at the end, takes their
    messages out of the outbox (the suite shares one database, and /healthz counts them)."""
    session: object
    point: tuple[float, float]
    filed: list[int] = field(default_factory=list)

    def file(self, phone: str | None = None, email_address: str | None = None, language: str | None = "zh",
             category: str = "environment", consent: bool = True) -> int:
        now = datetime.now(timezone.utc)
        filed = loop.report(self.session, loop.Report(category, *self.point, "bins overflowing"),
                            OPERATOR, IncidentRules(), now)
        incident = loop.load(self.session, filed.id)
        incident.reporter_phone, incident.reporter_email = phone, email_address
        incident.reporter_consent_at = now if consent else None
        incident.reporter_language = language
        self.session.commit()
        self.filed.append(filed.id)
        return filed.id

    def act(self, incident_id: int, action: str, note: str | None = None, by: Participant = OPERATOR) -> None:
        loop.act(self.session, incident_id, action, by, datetime.now(timezone.utc), note=note)
        self.session.commit()

    def messages(self, incident_id: int) -> list:
        return self.session.execute(text("""
            SELECT id, key, channel, step, language, status, attempts, next_attempt_at, last_error
            FROM outbox_message WHERE incident_id = :id ORDER BY id"""), {"id": incident_id}).all()


@pytest.fixture()
def cases(app, grid_point):
    with app.app_context():
        session = db.session()
        made = Cases(session, grid_point)
        yield made
        session.rollback()
        if made.filed:
            session.execute(text("DELETE FROM outbox_message WHERE incident_id = ANY(:ids)"), {"ids": made.filed})
            session.commit()


@pytest.fixture()
def new_session(app):
    return app.extensions["gridmap.db"].new_session


def with_rules(rules: NotifyRules, **changes) -> NotifyRules:
    return replace(rules, **changes)


def eventually(condition, seconds: float = 10.0, every: float = 0.05):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(every)
