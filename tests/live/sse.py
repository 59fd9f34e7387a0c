"""A minimal Server-Sent Events client for the stream tests, on a real HTTP connection."""
from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from urllib.parse import urlparse


class EventStream:
    """Opens /api/v1/stream. A reader thread parses events into a queue, so a test can wait
    for the next one with a timeout without breaking the socket; it keeps the comments apart
    (`comments`) and says when the server ended the body (`closed`)."""

    def __init__(self, base: str, token: str | None = None, last_event_id: str | None = None,
                 cookie: str | None = None):
        url = urlparse(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            headers["Cookie"] = f"gridmap_session={cookie}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection.connect()
        self.socket = self.connection.sock
        self.connection.request("GET", "/api/v1/stream", headers=headers)
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.read()
        assert self.response.getheader("Content-Type").startswith("text/event-stream")
        self.events: queue.Queue = queue.Queue()
        self.comments: list[str] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self.hello = self.next_event()
        assert self.hello["event"] == "hello"

    def _read(self):
        event: dict = {}
        try:
            while True:
                line = self.response.readline()     # the chunks' framing taken off
                if not line:
                    return
                line = line.decode().rstrip("\n")
                if not line:
                    if event:
                        if "data" in event:
                            event["data"] = json.loads(event["data"])
                        self.events.put(event)
                        event = {}
                elif line.startswith(":"):
                    self.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(": ")
                    event[name] = value
        except Exception:       # the test closed the connection under the reader
            return
        finally:
            self.closed.set()

    def next_event(self, timeout: float = 5.0) -> dict | None:
        """The next event (comments skipped), or None when none comes within `timeout`."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def incidents(self, count: int, timeout: float = 5.0) -> list[dict]:
        got, deadline = [], time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            event = self.next_event(max(0.05, deadline - time.monotonic()))
            if event and event["event"] == "incident":
                got.append(event)
        return got

    def ends_within(self, seconds: float) -> float | None:
        """How long the server took to end the stream from now, or None if it did not within
        `seconds`."""
        started = time.monotonic()
        return time.monotonic() - started if self.closed.wait(seconds) else None

    def close(self):
        try:
            self.socket.shutdown(socket.SHUT_RDWR)     # wakes the reader blocked in recv
        except OSError:
            pass
        self.socket.close()


def stream_status(base: str, token: str | None = None, cookie: str | None = None) -> int:
    """The status a new stream is answered with (the body, if any, is not read)."""
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if cookie:
        headers["Cookie"] = f"gridmap_session={cookie}"
    try:
        connection.request("GET", "/api/v1/stream", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()
