"""The stream writer: one thread per process writing every held stream's live events to its
socket, as HTTP/1.1 chunks. Fed by hand here (a hub without its database listener, a
socket pair for the connection); under gunicorn, against the test database, at the end."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from app.config import ROOT
from app.services.live import stream
from app.services.live.writer import StreamWriter
from tests.conftest import hub_subscription, incident_notice

EVERYONE = stream.Audience("all", "all", everything=True, key=("all",))


def subscribed(hub: stream.Hub) -> stream.Subscription:
    return hub_subscription(hub, EVERYONE)


class Peer:
    """The client's end of the connection: reads chunks as they come."""

    def __init__(self, sock: socket.socket):
        self.sock, self.data = sock, b""

    def chunks(self, wanted: int, timeout: float = 5.0) -> list[bytes]:
        """Reads until `wanted` whole chunks arrived (or `timeout`); gives the chunks not
        given before, unframed."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        found = self._parse()
        while len(found) < wanted and time.monotonic() < deadline:
            try:
                more = self.sock.recv(65536)
            except TimeoutError:
                break
            if not more:
                break
            self.data += more
            found += self._parse()
        return found

    def _parse(self) -> list[bytes]:
        found = []
        while (end := self.data.find(b"\r\n")) >= 0:
            size = int(self.data[:end], 16)
            if len(self.data) < end + 2 + size + 2:
                break
            assert self.data[end + 2 + size:end + 4 + size] == b"\r\n", "a chunk is framed by CRLF"
            found.append(self.data[end + 2:end + 2 + size])
            self.data = self.data[end + 4 + size:]
        return found


@pytest.fixture()
def held():
    """Holds streams on socket pairs; gives (writer's end, client's end) per stream."""
    hub = stream.Hub("")
    writer = StreamWriter(hub, coalesce=0.05)
    made = []

    def hold(heartbeat: float = 30.0, subscription: stream.Subscription | None = None, **writer_options):
        for name, value in writer_options.items():
            setattr(writer, name, value)
        ours, theirs = socket.socketpair()
        subscription = subscription or subscribed(hub)
        made.append((ours, theirs))
        return writer.hold(subscription, ours, heartbeat), Peer(theirs)

    yield hub, writer, hold
    hub.end_streams()
    for pair in made:
        for sock in pair:
            sock.close()


def test_a_held_stream_gets_each_batch_of_live_events_as_one_chunk(held):
    hub, writer, hold = held
    subscription = subscribed(hub)
    for stream_id in (1, 2, 3):         # while the server's thread sent the backlog
        hub._publish(incident_notice(stream_id))
    stream_held, peer = hold(subscription=subscription)
    first = peer.chunks(1)[0]
    assert [line for line in first.split(b"\n") if line.startswith(b"id: ")] == [b"id: 1", b"id: 2", b"id: 3"]
    hub._publish(incident_notice(4))
    assert b'"code": "E4"' in peer.chunks(1)[0]
    assert not stream_held.ended.is_set()


def test_events_already_sent_in_the_backlog_are_not_sent_again(held):
    hub, writer, hold = held
    subscription = subscribed(hub)
    subscription.replayed_up_to = 2
    for stream_id in (1, 2, 3):
        hub._publish(incident_notice(stream_id))
    _, peer = hold(subscription=subscription)
    received = peer.chunks(1)[0]
    assert b"id: 3" in received and b"id: 1\n" not in received and b"id: 2\n" not in received


def test_streams_sharing_an_audience_each_get_their_own_events_in_one_pass(held):
    hub, writer, hold = held
    fresh, resumed = subscribed(hub), subscribed(hub)
    resumed.replayed_up_to = 2                 # its backlog held the first two already
    for stream_id in (1, 2, 3):
        hub._publish(incident_notice(stream_id))
    _, peer_fresh = hold(subscription=fresh)
    _, peer_resumed = hold(subscription=resumed)
    assert peer_fresh.chunks(1)[0].count(b"event: incident") == 3
    assert peer_resumed.chunks(1)[0].count(b"event: incident") == 1


def test_a_quiet_stream_gets_heartbeats(held):
    hub, writer, hold = held
    _, peer = hold(heartbeat=0.1)
    assert peer.chunks(1, timeout=3)[0] == b": heartbeat\n\n"


def test_a_client_that_stops_reading_is_cut_off_and_the_others_still_get_everything(held):
    hub, writer, hold = held
    stuck, _ = hold(max_pending=256 * 1024)
    reading, peer = hold()
    stuck.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    received, stream_id = b"", 0
    while not stuck.ended.is_set() and stream_id < 5000:
        stream_id += 1
        hub._publish(incident_notice(stream_id, description="x" * 2000))
        if stream_id % 50 == 0:
            received += b"".join(peer.chunks(1, timeout=1))
    assert stuck.ended.wait(5) and stuck.cut
    # cut off: its connection is closed, and its browser reconnects with Last-Event-ID
    with pytest.raises(OSError):
        stuck.sock.send(b"x")
    received += b"".join(peer.chunks(10_000, timeout=1))
    assert received.count(b"event: incident") == stream_id
    assert not reading.ended.is_set()


def test_a_client_that_went_away_is_dropped(held):
    hub, writer, hold = held
    gone, peer = hold()
    peer.sock.close()
    for stream_id in range(1, 4):
        hub._publish(incident_notice(stream_id))
        time.sleep(0.06)
    assert gone.ended.wait(5) and gone.cut
    assert writer.count == 0


def test_ending_the_streams_ends_held_ones_cleanly_between_chunks(held):
    hub, writer, hold = held
    stream_held, peer = hold()
    hub._publish(incident_notice(1))
    assert peer.chunks(1)
    hub.end_streams()
    assert stream_held.ended.wait(5)
    assert not stream_held.cut          # the server ends the body; the client resumes
    stream_held.sock.send(b"0\r\n\r\n")  # what the server writes next still goes through


def test_the_server_thread_waits_until_its_stream_ends(held):
    hub, writer, hold = held
    stream_held, _ = hold()
    waiting = threading.Thread(target=writer.wait, args=(stream_held,))
    waiting.start()
    time.sleep(0.2)
    assert waiting.is_alive()
    hub.end_streams()
    waiting.join(5)
    assert not waiting.is_alive()


# -- under gunicorn ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def gunicorn(database_url, app):
    """The production server, as `flask serve` starts it, on the test database."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
         "--threads", "16", "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
         "--config", "python:app.gunicorn_conf", "app:create_app()"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url, "GRIDMAP_TICK_SECONDS": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    yield port, process
    if process.poll() is None:
        process.kill()
    process.wait(10)


def test_under_gunicorn_a_report_reaches_an_open_stream_and_a_stop_ends_it_cleanly(
        gunicorn, users, a_grid_point):
    port, process = gunicorn
    token = users["operator"]["token"]
    listening = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    listening.request("GET", "/api/v1/stream", headers={"Authorization": f"Bearer {token}"})
    response = listening.getresponse()
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    assert b"event: hello" in response.read1()
    reporting = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    reporting.request("POST", "/api/v1/incidents", body=json.dumps(
        {"category": "environment", "point": list(a_grid_point), "description": "under gunicorn"}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    reported = reporting.getresponse()
    assert reported.status == 201
    code = json.loads(reported.read())["properties"]["code"]
    received = b""
    deadline = time.monotonic() + 5
    while code.encode() not in received and time.monotonic() < deadline:
        received += response.read1()
    assert code.encode() in received
    # a deploy's SIGTERM: the stream ends as a whole HTTP body, and the worker stops at once
    process.send_signal(signal.SIGTERM)
    rest = response.read()                  # to the final chunk; raises if the body is cut
    assert b"event: resync" not in rest
    assert process.wait(10) == 0
