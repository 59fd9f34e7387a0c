"""The live stream's engine: one LISTEN connection per process, fanned out to every open
Server-Sent Events client, each with its own filter (scope and permissions).

Incident events are published with their stream position, which one hub in the database
gives (the sequencer, migration 0015): a committed event waits in `stream_unsequenced` and
its NOTIFY wakes that hub, which numbers what waits and NOTIFYs `gridmap_stream` with each
event's JSON; worker positions come on the same channel from their own trigger. The hub
thread reads them into one shared log of recent events, each encoded once; every
subscriber keeps a cursor into that log and, when it wakes, takes what its filter accepts
(the verdict is asked once per event and audience, however many clients share it). So an
event costs the hub one append whatever the number of clients. A subscriber that falls
further behind than the log reaches is told to resync: its client reconnects with
Last-Event-ID and replays from the event log, so nothing is lost, only re-read.
If the LISTEN connection drops, the hub reconnects and replays from the log itself what it
may have missed, so subscribers see no gap either.
"""
from __future__ import annotations

import collections
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import psycopg
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope

CHANNEL = "gridmap_stream"
SEQUENCE_CHANNEL = "gridmap_unsequenced"     # a committed event waits to be numbered
SEQUENCER_LOCK = 0x7365717565                # "seque": held by the one hub that numbers events
SEQUENCER_RETRY_SECONDS = 1.0
SEQUENCE_BATCH = 1000                        # events numbered per transaction (migration 0015)
LOG_LIMIT = 5000              # recent events a hub keeps; a subscriber further behind resyncs
REPLAY_LIMIT = 5000
COALESCE_SECONDS = 0.1       # a busy stream writes at most 10 times a second
HEARTBEAT = b": heartbeat\n\n"   # an SSE comment: the connection never looks idle, and a gone client shows

log = logging.getLogger(__name__)


# -- who sees what -------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """What one client may see: incidents in scope (or assigned to its worker), and worker
    positions if it may read tracks ('all', or 'own' for just its worker)."""

    incidents: str | None                 # 'all', 'own' or None
    positions: str | None
    worker_id: int | None = None
    area: object | None = None            # a prepared Shapely geometry; None with everything
    everything: bool = False
    key: tuple = ()                       # equal keys see the same events


    @classmethod
    def of(cls, session: Session, scope: Scope, incidents: str | None, positions: str | None,
           worker_id: int | None) -> "Audience":
        area, ewkb = None, None
        if not scope.everything:
            ewkb = scope.geometry(session)
            area = shapely.from_wkb(ewkb) if ewkb else shapely.GeometryCollection()
            shapely.prepare(area)
        return cls(incidents, positions, worker_id, area, scope.everything,
                   key=(incidents, positions, worker_id, scope.everything, ewkb))

    def _inside(self, lon, lat) -> bool:
        return self.everything or (lon is not None and bool(shapely.intersects_xy(self.area, lon, lat)))

    def accepts(self, event: dict) -> bool:
        kind = event.get("type")
        if kind == "incident":
            incident = event["incident"]
            if self.worker_id is not None and incident.get("assignee_id") == self.worker_id:
                return self.incidents is not None
            if self.incidents == "own" and self.worker_id is None:
                return False
            return self.incidents is not None and self._inside(incident["lon"], incident["lat"])
        if kind == "position":
            if self.positions == "own":
                return event.get("worker_id") == self.worker_id
            return self.positions == "all" and self._inside(event.get("lon"), event.get("lat"))
        return True          # the hub's own notices (resync) go to everyone


# -- the hub -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    n: int                        # the hub's own count (not the stream position)
    event: dict
    frame: bytes                  # the SSE frame, encoded once for every client
    verdicts: dict = field(default_factory=dict)     # audience key → accepted

    def accepted_by(self, audience: Audience) -> bool:
        verdict = self.verdicts.get(audience.key)
        if verdict is None:       # two threads may both ask: the same answer, no harm
            verdict = self.verdicts[audience.key] = audience.accepts(self.event)
        return verdict


@dataclass(eq=False)
class Subscription:
    audience: Audience
    cursor: int                   # the last Published.n this subscriber has taken
    generation: int = 0           # streams of an older generation end (Hub.end_streams)
    replayed_up_to: int = 0       # incident events up to this position went out in the backlog


class Hub:
    def __init__(self, conninfo: str, reconnect_seconds: float = 1.0):
        self._conninfo = conninfo
        self._reconnect = reconnect_seconds
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._log: collections.deque[Published] = collections.deque(maxlen=LOG_LIMIT)
        self._published = 0
        self._generation = 0
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._last_event_id: int | None = None
        self._stopping = False
        self.delivered = 0

    def subscribe(self, audience: Audience) -> Subscription:
        self._start()
        with self._arrived:
            subscription = Subscription(audience, self._published, self._generation)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def end_streams(self) -> None:
        """Ends every open stream, quietly: browsers reconnect (to whichever process serves
        them next) and replay what they missed by Last-Event-ID. A worker that is shutting
        down calls it, so it need not wait out its graceful timeout on endless streams."""
        with self._arrived:
            self._generation += 1
            self._arrived.notify_all()

    def ended(self, subscription: Subscription) -> bool:
        return subscription.generation != self._generation

    def wait_for_news(self, seen: int, timeout: float) -> int:
        """Waits up to `timeout` for anything published after the count `seen` (or for
        streams to end, or a nudge); gives the count now."""
        with self._arrived:
            if self._published == seen:
                self._arrived.wait(timeout)
            return self._published

    def nudge(self) -> None:
        with self._arrived:
            self._arrived.notify_all()

    def take(self, subscription: Subscription, timeout: float) -> list[Published] | None:
        """What was published since the subscriber last took, waiting up to `timeout` for
        something; None when it fell behind what the log still holds."""
        with self._arrived:
            if self._published == subscription.cursor and timeout > 0 and not self.ended(subscription):
                self._arrived.wait(timeout)
            if self._published == subscription.cursor:
                return []
            oldest = self._log[0].n
            if subscription.cursor + 1 < oldest:
                return None
            # the newest entries, read from the log's end: O(new), not O(log length)
            fresh = list(itertools.islice(reversed(self._log), self._published - subscription.cursor))
            fresh.reverse()
            subscription.cursor = self._published
            return fresh

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def stop(self) -> None:
        self._stopping = True

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="gridmap-stream-hub",
                                                    daemon=True)
                    self._thread.start()
        # A subscriber must not miss what is committed after it subscribed: wait until the
        # hub is listening (once per process).
        self._ready.wait(timeout=10)

    def _run(self) -> None:
        while not self._stopping:
            try:
                with psycopg.connect(self._conninfo, autocommit=True,
                                     application_name="gridmap-stream-hub") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._catch_up(conn)
                    sequencer = self._try_to_sequence(conn)
                    self._ready.set()
                    retry_at = time.monotonic() + SEQUENCER_RETRY_SECONDS
                    while not self._stopping:
                        woken = False
                        for notice in conn.notifies(timeout=1.0, stop_after=1):
                            if notice.channel == CHANNEL:
                                self._publish(notice.payload)
                            else:
                                woken = True
                        if woken:
                            self._sequence(conn)
                        elif not sequencer and time.monotonic() >= retry_at:
                            sequencer = self._try_to_sequence(conn)
                            retry_at = time.monotonic() + SEQUENCER_RETRY_SECONDS
            except psycopg.Error as error:
                log.warning("stream hub lost its database connection (%s); reconnecting", error)
                time.sleep(self._reconnect)

    @staticmethod
    def _try_to_sequence(conn) -> bool:
        """Become the database's one sequencer if none is (migration 0015): number the
        events that wait, then each commit's notice. The lock is the connection's: if this
        process dies, another hub's next try takes over."""
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (SEQUENCER_LOCK,)).fetchone()[0]:
            return False
        conn.execute(f"LISTEN {SEQUENCE_CHANNEL}")
        Hub._sequence(conn)
        return True

    @staticmethod
    def _sequence(conn) -> None:
        """Numbers every event waiting, a batch per transaction."""
        while conn.execute("SELECT gridmap_sequence_events()").fetchone()[0] >= SEQUENCE_BATCH:
            pass

    def _catch_up(self, conn) -> None:
        """After a reconnect: what was logged while the hub was not listening."""
        if self._last_event_id is None:
            self._last_event_id = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM stream_position").fetchone()[0]
            return
        rows = conn.execute("SELECT gridmap_stream_event(e, p.seq)::text FROM stream_position p "
                            "JOIN incident_event e ON e.id = p.event_id WHERE p.seq > %s ORDER BY p.seq",
                            (self._last_event_id,)).fetchall()
        for (payload,) in rows:
            self._publish(payload)

    def _publish(self, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            log.warning("stream hub ignored a malformed notification: %.200s", payload)
            return
        if event.get("type") == "incident":
            # positions arrive in the order they rise (one sequencer, one transaction at a
            # time): anything not above the last was published already (a catch-up
            # overlapping a live notice)
            if self._last_event_id is not None and event["id"] <= self._last_event_id:
                return
            self._last_event_id = event["id"]
        frame = sse(event, payload).encode()
        with self._arrived:
            self._published += 1
            self._log.append(Published(self._published, event, frame))
            self._arrived.notify_all()
        self.delivered += 1


# -- replay --------------------------------------------------------------------------------

def latest_event_id(session: Session) -> int:
    return session.execute(text("SELECT coalesce(max(seq), 0) FROM stream_position")).scalar_one()


def replay(session: Session, after: int, scope: Scope, worker_id: int | None,
           limit: int = REPLAY_LIMIT) -> list[tuple[dict, str]]:
    """Incident events after `after` that the user may see, oldest first, as (event, frame);
    at most `limit` (the caller tells the client to resync when the limit is hit)."""
    condition, params = scope.condition(session, "t")
    rows = session.execute(text(f"""
        SELECT gridmap_stream_event(e, p.seq)::text FROM stream_position p
        JOIN incident_event e ON e.id = p.event_id JOIN incident t ON t.id = e.incident_id
        WHERE p.seq > :after AND (({condition}) OR t.assignee_id = :worker)
        ORDER BY p.seq LIMIT :limit"""),
        {**params, "after": after, "worker": worker_id, "limit": limit}).scalars().all()
    events = [json.loads(raw) for raw in rows]
    return [(event, sse(event, raw)) for event, raw in zip(events, rows)]


# -- the wire format -----------------------------------------------------------------------

def sse(event: dict | None, raw: str, kind: str | None = None) -> str:
    """One Server-Sent Event. Incident events carry their id, so a reconnecting browser
    sends it back as Last-Event-ID; positions carry none and leave that id unchanged."""
    lines = []
    if event is not None and event.get("type") == "incident":
        lines.append(f"id: {event['id']}")
    lines.append(f"event: {kind or (event or {}).get('type', 'message')}")
    lines.append(f"data: {raw}")
    return "\n".join(lines) + "\n\n"


def frames(hub: Hub, subscription: Subscription, backlog: list[tuple[dict, str]],
           heartbeat: float, hello: tuple[int, bool], coalesce: float = COALESCE_SECONDS,
           hand_over=None):
    """The body of one stream: a hello (with the id to resume from), the replayed backlog,
    then live events with heartbeats between them. Ends with a resync when it falls behind.

    `hand_over`, when the server lets the app write to the connection, gives the live part
    to the process's stream writer (stream_writer.py) and returns when the stream ends.
    Otherwise this generator writes it: under load, events go out together, one write per
    wake-up. A stream that wrote less than `coalesce` seconds ago waits out the rest of it
    first, so a busy stream wakes at most 1/coalesce times a second; a quiet one sends each
    event at once."""
    start_id, truncated = hello
    subscription.replayed_up_to = backlog[-1][0]["id"] if backlog else start_id
    yield (f"retry: 2000\nid: {start_id}\nevent: hello\n"
           f"data: {json.dumps({'last_event_id': start_id, 'replayed': len(backlog)})}\n\n").encode()
    for _, frame in backlog:
        yield frame.encode()
    if truncated:
        yield resync_frame("too many missed events; reload")
        return
    if hand_over is not None:
        hand_over(subscription)           # everything above has been written by now
        return
    last_write = 0.0
    while True:
        # after a write, sleep out the rest of `coalesce` before looking again: a busy
        # stream wakes once per period, not once per event and again to write
        rest = coalesce - (time.monotonic() - last_write)
        if rest > 0:
            time.sleep(rest)
        fresh = hub.take(subscription, heartbeat)
        if hub.ended(subscription):
            return
        if fresh is None:
            break
        if not fresh:
            yield HEARTBEAT
            continue
        chunk = live_chunk(subscription, fresh)
        if chunk:
            last_write = time.monotonic()
            yield chunk
    yield resync_frame("the client fell behind; reconnect to catch up")


def live_chunk(subscription: Subscription, fresh: list[Published]) -> bytes:
    """What of `fresh` this subscriber may see, as one write. Incident events that came
    live while its backlog was being read went out with the backlog already."""
    audience, replayed = subscription.audience, subscription.replayed_up_to
    return b"".join(p.frame for p in fresh
                    if p.accepted_by(audience) and (p.event.get("type") != "incident"
                                                    or p.event["id"] > replayed))


def resync_frame(reason: str) -> bytes:
    return sse(None, json.dumps({"reason": reason}), "resync").encode()
