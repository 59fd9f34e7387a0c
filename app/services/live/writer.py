"""One thread per process that writes the live events to every open stream's socket.

A stream served the plain WSGI way holds a thread that wakes up to write each batch: with a
hundred wall maps open that was a thousand thread wake-ups a second, and waking a thread
cost several times what its write did (1.6 ms of a report's CPU, measured with 100 streams).
Here the server's thread sends the headers, the hello and the replayed backlog, then hands
the socket over and sleeps until the stream ends; this thread writes every stream's batch in
one pass per period.

The response stays an HTTP/1.1 chunked body, so each batch is framed as one chunk. Writes
never block: what a slow client's socket will not take waits in that stream's pending
bytes, and a client that lets more pile up than MAX_PENDING is cut off. Like a resync, that
costs it nothing but a reconnect: its browser comes back with Last-Event-ID and replays.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from .stream import COALESCE_SECONDS, HEARTBEAT, Hub, Subscription, live_chunk, resync_frame

MAX_PENDING = 4 * 1024 * 1024
IDLE_CHECK_SECONDS = 1.0          # how often a quiet pass looks for heartbeats due

log = logging.getLogger(__name__)


@dataclass(eq=False)
class HeldStream:
    subscription: Subscription
    sock: socket.socket
    heartbeat: float
    last_write: float = field(default_factory=time.monotonic)
    pending: bytearray = field(default_factory=bytearray)
    ended: threading.Event = field(default_factory=threading.Event)
    cut: bool = False             # ended mid-chunk or broken: the connection must close


class StreamWriter:
    def __init__(self, hub: Hub, coalesce: float = COALESCE_SECONDS):
        self._hub = hub
        self._coalesce = coalesce
        self.max_pending = MAX_PENDING
        self._streams: set[HeldStream] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, subscription: Subscription, sock: socket.socket, heartbeat: float) -> HeldStream:
        """Takes over writing to `sock` until the stream ends (`HeldStream.ended`). The
        caller has written everything before and writes nothing until then."""
        held = HeldStream(subscription, sock, heartbeat)
        with self._lock:
            self._streams.add(held)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="gridmap-stream-writer",
                                                daemon=True)
                self._thread.start()
        self._hub.nudge()
        return held

    def wait(self, held: HeldStream) -> None:
        """Blocks the server's thread while this one writes its stream."""
        while not held.ended.wait(IDLE_CHECK_SECONDS * 5):
            if self._thread is None or not self._thread.is_alive():
                self._end(held, cut=True)

    @property
    def count(self) -> int:
        return len(self._streams)

    def _run(self) -> None:
        seen, last_pass = -1, 0.0
        while True:
            with self._lock:
                if not self._streams:
                    self._thread = None          # the next hold() starts another
                    return
                waiting = any(held.pending for held in self._streams)
            seen = self._hub.wait_for_news(seen, 0.05 if waiting else IDLE_CHECK_SECONDS)
            # one pass per period under load: every stream gets one chunk, one write
            rest = self._coalesce - (time.monotonic() - last_pass)
            if rest > 0:
                time.sleep(rest)
            last_pass = now = time.monotonic()
            with self._lock:
                streams = list(self._streams)
            made: dict[tuple, bytes] = {}
            for held in streams:
                try:
                    self._serve(held, now, made)
                except Exception:          # one broken stream must not stop the others
                    log.exception("stream writer failed on one stream; it is closed")
                    self._end(held, cut=True)

    def _serve(self, held: HeldStream, now: float, made: dict[tuple, bytes]) -> None:
        """One stream's turn in a pass. `made` keeps the pass's chunks: streams that share
        an audience and took the same events get the same bytes, filtered once."""
        hub, subscription = self._hub, held.subscription
        if held.ended.is_set():
            return
        if hub.ended(subscription):
            farewell = hub.farewell(subscription)
            if farewell:
                held.pending += b"%X\r\n%b\r\n" % (len(farewell), farewell)
                if not self._flush(held):
                    return
            self._end(held, cut=bool(held.pending))
            return
        fresh = hub.take(subscription, 0)
        if fresh is None:
            data = resync_frame("the client fell behind; reconnect to catch up")
        elif fresh:
            key = (subscription.audience.key, fresh[0].n, fresh[-1].n, subscription.replayed_up_to)
            data = made.get(key)
            if data is None:
                data = made[key] = live_chunk(subscription, fresh)
        else:
            data = b""
        if not data and now - held.last_write >= held.heartbeat:
            data = HEARTBEAT
        if data:
            held.pending += b"%X\r\n%b\r\n" % (len(data), data)
            held.last_write = now
        if held.pending and not self._flush(held):
            return
        if fresh is None:
            self._end(held, cut=bool(held.pending))
        elif len(held.pending) > self.max_pending:
            self._end(held, cut=True)

    def _flush(self, held: HeldStream) -> bool:
        try:
            sent = held.sock.send(held.pending, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:                  # the client went away
            self._end(held, cut=True)
            return False
        del held.pending[:sent]
        return True

    def _end(self, held: HeldStream, cut: bool) -> None:
        with self._lock:
            self._streams.discard(held)
        if cut:
            # the body cannot be ended cleanly: close, so the server's last write fails
            # quietly and the browser reconnects
            held.cut = True
            try:
                held.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        held.ended.set()
