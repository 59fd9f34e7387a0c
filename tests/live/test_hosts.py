"""Many app hosts behind one nginx (`flask serve-hosts`, deploy/nginx-hosts.conf), as a city
runs them on several machines: two real `flask serve` hosts, each with its own nginx, gunicorn
and stream server, and Debian's nginx in front. They share only the database, so a report made
through one reaches the streams the other holds; and what must happen once for the city does,
though every host runs it: the escalation clock's round, the sequencer that numbers the events,
the outbox's senders.

The hosts serve a small synthetic city of their own, whose clock ticks every second and whose
messages go to a local SMS gateway (tests/notify/conftest.py's), apart from the suite's city."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from app import db
from app.config import ROOT, IncidentRules, load_settings
from app.services.incidents import escalation, loop
from tests.conftest import PASSWORD, city_app, free_port
from tests.live.sse import EventStream
from tests.notify.conftest import SmsReceiver, _handler, a_phone

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                                reason="nginx is installed by `make test` (Debian's package)")

OPERATOR = loop.Participant("user:hosts_operator", dispatcher=True)


@pytest.fixture(scope="module")
def city(make_database):
    """The scale-1 synthetic city, an operator of the whole city with a token, and grid points."""
    from app.models import Area
    from app.services.accounts import accounts
    url = make_database("hosts")
    db.upgrade(url)
    app = city_app(url, ["import", "categories"],
                   ["generate", "city", "--preset", "zhenxing", "--scale", "1", "--seed", "3"])
    with app.app_context():
        session = db.session()
        top = session.scalar(select(Area).where(Area.parent_id.is_(None)))
        user = accounts.create_user(session, "hosts_operator", PASSWORD, "operator", scope_area_code=top.code)
        _, token = accounts.create_token(session, user, "tests")
        points = session.execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
            WHERE valid_to IS NULL ORDER BY code""")).all()
        session.commit()
    return SimpleNamespace(url=url, app=app, token=token, points=[tuple(p) for p in points])


@pytest.fixture(scope="module")
def gateway():
    receiver = SmsReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hosts(city, gateway, tmp_path_factory):
    """`flask serve-hosts`: nginx on `front`, hosts on `a` and `b` (a gunicorn worker each)."""
    front, a, b = free_port(), free_port(), free_port()
    log = tmp_path_factory.mktemp("hosts") / "serve-hosts.log"
    env = {**os.environ, "FLASK_APP": "app", "DATABASE_URL": city.url, "GRIDMAP_TICK_SECONDS": "1",
           "GRIDMAP_SMS_URL": gateway.url, "GRIDMAP_NOTIFY_POLL_SECONDS": "0.5"}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "serve-hosts", "--port", str(front), "--app-port", str(a),
             "--app-port", str(b), "--workers", "1", "--threads", "8", "--no-simulate"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120           # two hosts starting on a busy machine
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if all(get(port, "/healthz")[0] == 200 for port in (front, a, b)):
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "flask serve-hosts did not answer in 120 s\n" + log.read_text()[-3000:]
        time.sleep(0.5)
    yield SimpleNamespace(front=front, a=a, b=b, process=process, log=log)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    from app.cli import proxy
    for port in (front, a, b):                  # each nginx has a session of its own
        proxy.stop_stale(proxy.run_dir(load_settings().var_dir, port))


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def report(port: int, token: str, point: tuple[float, float], description: str) -> str:
    """A report made through the server on `port`; its code."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", "/api/v1/incidents", body=json.dumps(
            {"category": "environment", "point": list(point), "description": description}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        body = json.loads(answer.read())
        assert answer.status == 201, body
        return body["properties"]["code"]
    finally:
        connection.close()


def base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def test_a_report_made_through_one_host_reaches_streams_on_the_other_and_through_the_nginx_in_front(
        city, hosts, open_streams):
    on_b = EventStream(base(hosts.b), city.token)
    in_front = EventStream(base(hosts.front), city.token)
    open_streams.extend([on_b, in_front])
    code = report(hosts.a, city.token, city.points[0], "through host A")
    for stream in (on_b, in_front):
        # a small event, at once: the nginx in front does not buffer a stream
        heard = stream.incidents(2, timeout=5)
        assert [(e["data"]["incident"]["code"], e["data"]["action"]) for e in heard] == \
            [(code, "report"), (code, "assign")]


def test_the_hosts_number_every_event_once_with_one_sequencer_between_them(city, hosts, open_streams):
    on_a, on_b = EventStream(base(hosts.a), city.token), EventStream(base(hosts.b), city.token)
    open_streams.extend([on_a, on_b])
    codes = [report(port, city.token, city.points[n + 1], f"turn {n}")
             for n, port in enumerate([hosts.a, hosts.b] * 3)]
    heard_on_a, heard_on_b = on_a.incidents(12, timeout=10), on_b.incidents(12, timeout=10)
    # both hosts' streams: the same events, numbered alike, in one order, none twice
    assert [(e["id"], e["data"]["incident"]["code"]) for e in heard_on_a] == \
        [(e["id"], e["data"]["incident"]["code"]) for e in heard_on_b]
    assert [e["data"]["incident"]["code"] for e in heard_on_a if e["data"]["action"] == "report"] == codes
    ids = [int(e["id"]) for e in heard_on_a]
    assert ids == sorted(set(ids))
    with city.app.app_context():
        session = db.session()
        hubs, sequencers = session.execute(text("""
            SELECT count(DISTINCT a.pid),
                   count(*) FILTER (WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                                    AND (l.classid::bigint << 32 | l.objid::bigint) = :key)
            FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid
            WHERE a.datname = current_database() AND a.application_name = 'gridmap-stream-hub'"""),
            {"key": _sequencer_lock()}).one()
    assert hubs >= 2 and sequencers == 1        # every host listens; one numbers


def test_the_clock_marks_each_late_case_once_though_every_host_ticks(city, hosts):
    with city.app.app_context():
        session = db.session()
        now = datetime.now(timezone.utc)
        late = [loop.report(session, loop.Report("environment", *point, "late"), OPERATOR, IncidentRules(), now).id
                for point in city.points[10:20]]
        session.execute(text("UPDATE incident SET due_respond_at = now() - interval '1 minute' "
                             "WHERE id = ANY(:ids)"), {"ids": late})
        session.commit()
        steps = text("""
            SELECT count(*) FILTER (WHERE action = 'overdue'), count(*) FILTER (WHERE action = 'escalate')
            FROM incident_event WHERE incident_id = :id""")
        deadline = time.monotonic() + 20
        while session.execute(text("SELECT count(*) FROM incident WHERE id = ANY(:ids) AND escalations = 0"),
                              {"ids": late}).scalar_one():
            session.commit()
            assert time.monotonic() < deadline, "the hosts' clocks did not mark the late cases"
            time.sleep(0.5)
        time.sleep(3)           # more rounds on every host
        assert [tuple(session.execute(steps, {"id": i}).one()) for i in late] == [(1, 1)] * len(late)


def test_a_round_of_the_clock_under_way_holds_off_any_other(app):
    """How: a round holds a transaction's advisory lock, and a round another process starts
    meanwhile finds it taken and leaves the round to it. (On the suite's city, which no host
    ticks; nothing is committed.)"""
    new_session = app.extensions["gridmap.db"].new_session
    first, second = new_session(), new_session()
    try:
        now = datetime.now(timezone.utc)
        assert escalation.tick(first, now).ran
        assert not escalation.tick(second, now).ran
        second.rollback()
        first.rollback()            # the round ends
        assert escalation.tick(second, now).ran
    finally:
        first.close()
        second.close()


def test_each_message_to_a_reporter_is_sent_once_though_every_host_has_senders(city, hosts, gateway):
    phones = [a_phone() for _ in range(12)]
    with city.app.app_context():
        session = db.session()
        now = datetime.now(timezone.utc)
        for phone, point in zip(phones, city.points[30:]):
            filed = loop.report(session, loop.Report("environment", *point, "bins"), OPERATOR, IncidentRules(), now)
            incident = loop.load(session, filed.id)
            incident.reporter_phone, incident.reporter_consent_at, incident.reporter_language = phone, now, "zh"
            session.commit()
            loop.act(session, filed.id, "accept", OPERATOR, now)      # the reporter is told
        session.commit()
        senders = session.execute(text("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'gridmap-notify'""")).scalar_one()
    assert senders >= 2
    deadline = time.monotonic() + 20
    while not all(gateway.delivered_to(phone) for phone in phones):
        assert time.monotonic() < deadline, "the hosts did not send the messages"
        time.sleep(0.2)
    time.sleep(2)               # time for a second copy, were there one
    assert [len(gateway.to(phone)) for phone in phones] == [1] * len(phones)


def test_the_app_hears_the_clients_address_through_both_nginx(city, hosts):
    """What the nginx in front saw, not the address of the one in front of it: the sessions,
    the rate limits and the audit name the client. A forwarded address the client made up
    is not believed."""
    connection = http.client.HTTPConnection("127.0.0.1", hosts.front, timeout=10, source_address=("127.0.0.2", 0))
    try:
        connection.request("POST", "/login", body=f"username=hosts_operator&password={PASSWORD}&csrf_token=t",
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Cookie": "gridmap_login_csrf=t", "X-Forwarded-For": "203.0.113.9"})
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 302
    finally:
        connection.close()
    with city.app.app_context():
        address = db.session().execute(text("""
            SELECT s.ip FROM user_session s JOIN app_user u ON u.id = s.user_id
            WHERE u.username = 'hosts_operator' ORDER BY s.created_at DESC LIMIT 1""")).scalar_one()
    assert address == "127.0.0.2"


def test_one_line_says_when_every_host_answers_and_each_hosts_lines_name_it(city, hosts):
    # made once the hosts and the nginx in front answer (a report through the front proves it)
    report(hosts.front, city.token, city.points[40], "through the nginx in front")
    lines = hosts.log.read_text().splitlines()
    assert [line for line in lines if line.startswith("ready")] == [
        f"ready: nginx in front on http://127.0.0.1:{hosts.front}, app hosts on ports {hosts.a}, {hosts.b}"]
    # every other line is a host's (its gunicorn's, stream server's and nginx's), named by its
    # port, or the nginx in front's
    labelled = [line.partition(" | ") for line in lines if not line.startswith("ready")]
    assert [line for label, bar, line in labelled if not bar] == []
    said = {label for label, _, _ in labelled}
    assert {f"host {hosts.a}", f"host {hosts.b}"} <= said <= {f"host {hosts.a}", f"host {hosts.b}",
                                                               f"front {hosts.front}"}
    # gunicorn's request log: this very report, through the host that answered it
    posted = [label for label, _, line in labelled if '"POST /api/v1/incidents HTTP/1.' in line and '" 201 ' in line]
    assert len(posted) >= 1 and set(posted) <= {f"host {hosts.a}", f"host {hosts.b}"}


def _sequencer_lock() -> int:
    from app.services.live import stream
    return stream.SEQUENCER_LOCK
