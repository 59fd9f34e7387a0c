"""The live stream's engine: one LISTEN connection per process, fanned out to every open
Server-Sent Events client, each with its own filter (scope and permissions). It hears the
events' channel only once the process holds a stream (or a writer watches): gunicorn's
workers behind `flask serve` hear only the accounts' channel and, one of them perhaps, number
events.

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

A stream is let in once, when it opens; what it was let in with is asked about again for as
long as it stays open. The same connection LISTENs on the accounts' channel (migration 0016):
a notice about an account is passed to the process's listeners (the credential caches, which
live in the web layer and register at app start) and that account's streams are checked at
once; every stream is checked on a timer besides, in two queries for the process, for what no
notice announces (a token's expiry passing). A stream whose token or session no longer
resolves, whose account is disabled or whose role or scope changed ends: its client
reconnects and is let in afresh, or not. A stream also ends at its maximum age, so that no
connection outlives every later decision about it by days; the browser resumes it with
Last-Event-ID and misses nothing.
"""
from __future__ import annotations

import collections
import functools
import heapq
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import psycopg
import shapely
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..accounts import accounts
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
RECHECK_SECONDS = 5.0        # every open stream's credential is asked about again this often
LOOK_SECONDS = 0.5           # streams past their maximum age are looked for this often
MAX_AGE_SPREAD = 0.1         # streams opened together (after a deploy) end spread over this share
# Why a stream ended, told to its client as an SSE comment before the body ends (a browser
# reconnects with Last-Event-ID whatever the reason; a person reading the wire sees why).
ENDED_AT_MAX_AGE = "max-age"
ENDED_ACCESS_CHANGED = "access-changed"

log = logging.getLogger(__name__)


# -- who sees what -------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """What one client may see: incidents in scope (or assigned to its worker), and worker
    positions if it may read tracks ('all', or 'own' for just its worker).

    Two parts, judged apart: what it sees in its area (`sees_in_area`: the same for every
    client with the same `area_key`, so a city's phones share 640 verdicts, not 10,000) and what
    it hears as its worker (`hears_as_worker`: the tasks given to or taken from them, their own
    track), looked up by worker id."""

    incidents: str | None                 # 'all', 'own' or None
    positions: str | None
    worker_id: int | None = None
    area: object | None = None            # a prepared Shapely geometry; None with everything
    everything: bool = False
    key: tuple = ()                       # equal keys see the same events
    area_key: tuple = ()                  # equal area keys see the same events in their area

    @classmethod
    def of(cls, session: Session, scope: Scope, incidents: str | None, positions: str | None,
           worker_id: int | None) -> "Audience":
        area, ewkb = None, None
        if scope.department_id is not None:
            # a department's staff hear no city by area: their list asks for their cases
            key = ("department", scope.department_id, incidents, positions)
            return cls(incidents, positions, worker_id, None, False, key=key, area_key=key)
        if not scope.everything:
            ewkb = scope.geometry(session)
            area = _prepared(ewkb)
        area_key = (incidents, positions, worker_id is not None, scope.everything, ewkb)
        return cls(incidents, positions, worker_id, area, scope.everything,
                   key=area_key + (worker_id,), area_key=area_key)

    def _inside(self, lon, lat) -> bool:
        return self.everything or (lon is not None and self.area is not None
                                   and bool(shapely.intersects_xy(self.area, lon, lat)))

    def accepts(self, event: dict) -> bool:
        return self.hears_as_worker(event) or self.sees_in_area(event)

    def hears_as_worker(self, event: dict) -> bool:
        if self.worker_id is None:
            return False
        kind = event.get("type")
        if kind == "incident":
            return self.incidents is not None and self.worker_id in (
                event["incident"].get("assignee_id"), event.get("taken_from"))
        return kind == "position" and self.positions == "own" and event.get("worker_id") == self.worker_id

    def sees_in_area(self, event: dict) -> bool:
        kind = event.get("type")
        if kind == "incident":
            if self.incidents is None or (self.incidents == "own" and self.worker_id is None):
                return False
            return self._inside(event["incident"]["lon"], event["incident"]["lat"])
        if kind == "position":
            return self.positions == "all" and self._inside(event.get("lon"), event.get("lat"))
        return True          # the hub's own notices (resync, a division filed) go to everyone


@functools.lru_cache(maxsize=4096)
def _prepared(ewkb: bytes | None):
    """One parsed, prepared area per distinct scope, shared by every stream opened with it:
    a grid's phones would otherwise hold a copy (and a GEOS index) each."""
    area = shapely.from_wkb(ewkb) if ewkb else shapely.GeometryCollection()
    shapely.prepare(area)
    return area


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
    credential: accounts.Credential | None = None     # asked about again while it is open
    ends_at: float | None = None  # time.monotonic() of its maximum age
    ended_because: str | None = None                  # set once, by the hub (Hub.end)


class Hub:
    def __init__(self, conninfo: str | Callable[[], str], reconnect_seconds: float = 1.0, *,
                 sessions: Callable[[], Session] | None = None, max_age: float | None = None,
                 recheck_seconds: float = RECHECK_SECONDS):
        """`conninfo`: the database's address, or a function giving it, asked at every
        (re)connect — the embedded cluster may come back on another port; `sessions` opens a
        database session for asking about credentials again (None: no one asks); `max_age`,
        in seconds, ends every stream that old (None: never)."""
        self._conninfo = conninfo
        self._reconnect = reconnect_seconds
        self._sessions = sessions
        self._max_age = max_age
        self._recheck_every = recheck_seconds
        self._account_listeners: list[Callable[[int | None], None]] = []
        self._watchers: list[tuple[Callable[[], None], Callable[[Subscription | None], None]]] = []
        self._listening = False
        self._look_at = 0.0
        self._subscribers: set[Subscription] = set()
        self._ending: list[tuple[float, int, Subscription]] = []     # a heap by maximum age
        self._lock = threading.Lock()
        self._log: collections.deque[Published] = collections.deque(maxlen=LOG_LIMIT)
        self._published = 0
        self._generation = 0
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        # the events' channel is heard only once something here wants them: a gunicorn
        # worker behind `flask serve` holds no stream, and parsing every event in each of
        # them (and PostgreSQL sending it to each) was work for no one
        self._events_wanted = False
        self._hearing_events = threading.Event()
        self._last_event_id: int | None = None
        self._stopping = False
        self.delivered = 0

    def subscribe(self, audience: Audience, credential: accounts.Credential | None = None) -> Subscription:
        self._events_wanted = True
        self.listen()
        # nothing committed after it subscribed may be missed: wait until the events are heard
        # (at once when the hub heard them already; within a second of the first stream)
        self._hearing_events.wait(timeout=10)
        ends_at = None
        if self._max_age is not None:
            ends_at = time.monotonic() + self._max_age * (1 - MAX_AGE_SPREAD * random.random())
        with self._arrived:
            subscription = Subscription(audience, self._published, self._generation,
                                        credential=credential, ends_at=ends_at)
        with self._lock:
            self._subscribers.add(subscription)
            if ends_at is not None:
                heapq.heappush(self._ending, (ends_at, id(subscription), subscription))
        return subscription

    def watch(self, on_news: Callable[[], None], on_end: Callable[[Subscription | None], None]) -> None:
        """For a writer that does not wait in `take` (an event loop's, fanout.py): `on_news()`
        after each event published, `on_end(subscription)` when the hub ends one stream and
        `on_end(None)` when it ends them all. Called on the hub's thread (or the caller's):
        they must only pass the word on."""
        self._events_wanted = True
        self._watchers.append((on_news, on_end))

    def unwatch(self, on_news: Callable[[], None], on_end: Callable[[Subscription | None], None]) -> None:
        self._watchers = [w for w in self._watchers if w != (on_news, on_end)]

    def reader(self) -> Subscription:
        """A cursor into the log from now on, for one reader of every event (an event loop's
        writer); not a stream: no one asks about its access, and it never ends."""
        with self._arrived:
            return Subscription(None, self._published, self._generation)

    def on_account_change(self, listener: Callable[[int | None], None]) -> None:
        """`listener(user_id)` is called, on the hub's thread, for each account notice, and
        with None when notices may have been missed (the hub was not listening): then every
        account is to be taken as changed."""
        self._account_listeners.append(listener)

    def listen(self, wait: bool = True) -> bool:
        """Starts the hub's thread if it is not running; with `wait`, until it listens (once
        per process). Gives whether it listens now."""
        self._start(wait)
        return self._listening

    @property
    def listening(self) -> bool:
        return self._listening

    def end(self, subscription: Subscription, because: str) -> None:
        """Ends one stream (between writes, like end_streams), telling its client why."""
        with self._arrived:
            if subscription.ended_because is None:
                subscription.ended_because = because
            self._arrived.notify_all()
        for _, on_end in self._watchers:
            on_end(subscription)

    def farewell(self, subscription: Subscription) -> bytes:
        """What an ended stream writes last: why it ended, as an SSE comment, when the hub
        ended it alone (end_streams ends them quietly)."""
        if subscription.ended_because is None:
            return b""
        return f": end {subscription.ended_because}; reconnect with Last-Event-ID\n\n".encode()

    def end_streams(self) -> None:
        """Ends every open stream, quietly: browsers reconnect (to whichever process serves
        them next) and replay what they missed by Last-Event-ID. A worker that is shutting
        down calls it, so it need not wait out its graceful timeout on endless streams."""
        with self._arrived:
            self._generation += 1
            self._arrived.notify_all()
        for _, on_end in self._watchers:
            on_end(None)

    def ended(self, subscription: Subscription) -> bool:
        return subscription.ended_because is not None or subscription.generation != self._generation

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

    def logged(self, after: int, upto: int) -> list[Published] | None:
        """The events the hub counted after `after` up to `upto`, oldest first; None when the
        log no longer reaches back that far."""
        with self._arrived:
            upto = min(upto, self._published)
            if upto <= after:
                return []
            if after + 1 < self._log[0].n:
                return None
            newest = list(itertools.islice(reversed(self._log), self._published - after))
            return [p for p in reversed(newest) if p.n <= upto]

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def stop(self) -> None:
        self._stopping = True

    def _start(self, wait: bool = True) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="gridmap-stream-hub",
                                                    daemon=True)
                    self._thread.start()
        # A subscriber must not miss what is committed after it subscribed: wait until the
        # hub is listening (once per process).
        if wait:
            self._ready.wait(timeout=10)

    def _run(self) -> None:
        while not self._stopping:
            try:
                conninfo = self._conninfo() if callable(self._conninfo) else self._conninfo
                with psycopg.connect(conninfo, autocommit=True,
                                     application_name="gridmap-stream-hub") as conn:
                    conn.execute(f"LISTEN {accounts.ACCOUNT_CHANNEL}")
                    # what changed while no one listened went unannounced: forget it all
                    # and ask about every stream, from here on notices tell the rest
                    self._tell_listeners(None)
                    self._listening = True
                    if self._events_wanted:
                        self._hear_events(conn)
                    sequencer = self._try_to_sequence(conn)
                    self._ready.set()
                    now = time.monotonic()
                    retry_at, recheck_at = now + SEQUENCER_RETRY_SECONDS, now
                    while not self._stopping:
                        if self._events_wanted and not self._hearing_events.is_set():
                            self._hear_events(conn)
                        woken, changed = False, set()
                        for notice in conn.notifies(timeout=1.0, stop_after=1):
                            if notice.channel == CHANNEL:
                                self._publish(notice.payload)
                            elif notice.channel == accounts.ACCOUNT_CHANNEL:
                                changed.add(notice.payload)
                            else:
                                woken = True
                        if woken:
                            self._sequence(conn)
                        elif not sequencer and time.monotonic() >= retry_at:
                            sequencer = self._try_to_sequence(conn)
                            retry_at = time.monotonic() + SEQUENCER_RETRY_SECONDS
                        recheck_at = self._watch(changed, recheck_at)
            except psycopg.Error as error:
                self._stop_hearing()
                log.warning("stream hub lost its database connection (%s); reconnecting", error)
                time.sleep(self._reconnect)
            except Exception:
                # a hub that died quietly would leave the caches trusting notices no one hears
                self._stop_hearing()
                log.exception("stream hub failed; starting again")
                time.sleep(self._reconnect)
        self._stop_hearing()

    def _hear_events(self, conn) -> None:
        conn.execute(f"LISTEN {CHANNEL}")
        self._catch_up(conn)
        self._hearing_events.set()

    def _stop_hearing(self) -> None:
        self._hearing_events.clear()
        if self._listening:
            self._listening = False
            self._tell_listeners(None)

    # -- what streams were let in with -------------------------------------------------------

    def _watch(self, changed: set[str], recheck_at: float) -> float:
        """After a wake-up: the accounts just announced, and at most every LOOK_SECONDS (not
        per event, under load) every stream when the timer is due and the streams past their
        maximum age. Gives when the timer is due next."""
        now = time.monotonic()
        if not changed and now < self._look_at:
            return recheck_at
        self._look_at = now + LOOK_SECONDS
        users = set()
        for payload in changed:
            try:
                users.add(int(payload))
            except ValueError:
                log.warning("stream hub ignored a malformed account notice: %.50s", payload)
        for user_id in users:
            self._tell_listeners(user_id)
        if now >= recheck_at:
            self.recheck()
            recheck_at = now + self._recheck_every
        elif users:
            self.recheck(users)
        self._end_the_old(now)
        return recheck_at

    def _tell_listeners(self, user_id: int | None) -> None:
        for listener in self._account_listeners:
            try:
                listener(user_id)
            except Exception:        # a listener's fault must not stop the stream
                log.exception("an account listener failed")

    def recheck(self, users: set[int] | None = None) -> int:
        """Asks again about the credentials of the open streams (of `users`, or all), in one
        query, and ends those that no longer stand. Gives how many it ended."""
        if self._sessions is None:
            return 0
        with self._lock:
            streams = [s for s in self._subscribers if s.credential is not None and not self.ended(s)
                       and (users is None or s.credential.principal.id in users)]
        if not streams:
            return 0
        try:
            with self._sessions() as session:
                standing = accounts.still_standing(session, {s.credential for s in streams})
        except SQLAlchemyError as error:
            # the streams stay until the next look: ending them all on a database hiccup
            # would send every wall reconnecting into the same hiccup. The driver's message
            # only: SQLAlchemy's own would print the query's parameters (whose credentials)
            log.warning("stream hub could not check the open streams' access (%s)",
                        getattr(error, "orig", None) or type(error).__name__)
            return 0
        ended = [s for s in streams if s.credential not in standing]
        for subscription in ended:
            self.end(subscription, ENDED_ACCESS_CHANGED)
        if ended:
            log.info("stream hub ended %d stream(s) whose access changed", len(ended))
        return len(ended)

    def _end_the_old(self, now: float) -> None:
        """Ends the streams past their maximum age: the heap's top, not a look at every
        stream twice a second."""
        if self._max_age is None:
            return
        old = []
        with self._lock:
            while self._ending and self._ending[0][0] <= now:
                old.append(heapq.heappop(self._ending)[2])
            if len(self._ending) > 2 * len(self._subscribers) + 1000:
                # streams that ended early (phones reconnecting) leave their entry behind
                self._ending = [e for e in self._ending if e[2] in self._subscribers]
                heapq.heapify(self._ending)
            old = [s for s in old if s in self._subscribers]
        for subscription in old:
            if not self.ended(subscription):
                self.end(subscription, ENDED_AT_MAX_AGE)

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
        for on_news, _ in self._watchers:
            on_news()


# -- replay --------------------------------------------------------------------------------

def latest_event_id(session: Session) -> int:
    return session.execute(text("SELECT coalesce(max(seq), 0) FROM stream_position")).scalar_one()


def replay(session: Session, after: int, scope: Scope, worker_id: int | None,
           limit: int = REPLAY_LIMIT) -> list[tuple[dict, str]]:
    """Incident events after `after` that the user may see, oldest first, as (event, frame);
    at most `limit` (the caller tells the client to resync when the limit is hit)."""
    rows = _logged(session, scope, worker_id, after, "p.seq", limit)
    events = [json.loads(raw) for raw in rows]
    return [(event, sse(event, raw)) for event, raw in zip(events, rows)]


# How far back a ticker that opens looks for its lines: the city's last events, of which the
# reader's are kept. Without the window PostGIS takes the scope test for one incident in all
# and PostgreSQL joined every incident to every event (4 s on a scale-10 day).
RECENT_WINDOW = 5000


def recent(session: Session, scope: Scope, worker_id: int | None, limit: int) -> list[dict]:
    """The last `limit` incident events the user may see among the city's last RECENT_WINDOW,
    newest first: what a wall's ticker shows when it opens, as the stream would have sent them."""
    return [json.loads(raw) for raw in _logged(session, scope, worker_id, 0, "p.seq DESC", limit,
                                               window=RECENT_WINDOW)]


def _logged(session: Session, scope: Scope, worker_id: int | None, after: int, order: str,
            limit: int, window: int | None = None) -> list[str]:
    condition, params = scope.incidents(session, "t")
    positions = ("stream_position" if window is None else
                 f"(SELECT seq, event_id FROM stream_position WHERE seq > :after ORDER BY {order.replace('p.', '')} LIMIT {int(window)})")
    # The events chosen first, in the log's order, each one's incident looked up beside it
    # (OFFSET 0 keeps the lookup a lookup: PostGIS takes the scope test for one incident in all,
    # and PostgreSQL then joined every incident to every event); then each chosen one written out.
    return session.execute(text(f"""
        SELECT gridmap_stream_event(e, chosen.seq)::text
        FROM (SELECT p.seq, p.event_id FROM {positions} p
              JOIN incident_event e ON e.id = p.event_id
              CROSS JOIN LATERAL (SELECT t.assignee_id, ({condition}) AS inside FROM incident t
                                  WHERE t.id = e.incident_id OFFSET 0) t
              WHERE p.seq > :after AND (t.inside OR t.assignee_id = :worker
                                        OR (e.data->>'from_assignee_id')::bigint = :worker)
              ORDER BY {order} LIMIT :limit) chosen
        JOIN incident_event e ON e.id = chosen.event_id
        ORDER BY {order.replace("p.", "chosen.")}"""),
        {**params, "after": after, "worker": worker_id, "limit": limit}).scalars().all()


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


def opening(subscription: Subscription, backlog: list[tuple[dict, str]], hello: tuple[int, bool]) -> bytes:
    """What a stream writes first: a hello (with the id to resume from) and the replayed
    backlog; a resync after it when the backlog was cut short, and then the stream ends."""
    start_id, truncated = hello
    subscription.replayed_up_to = backlog[-1][0]["id"] if backlog else start_id
    parts = [(f"retry: 2000\nid: {start_id}\nevent: hello\n"
              f"data: {json.dumps({'last_event_id': start_id, 'replayed': len(backlog)})}\n\n").encode()]
    parts += [frame.encode() for _, frame in backlog]
    if truncated:
        parts.append(resync_frame("too many missed events; reload"))
    return b"".join(parts)


def frames(hub: Hub, subscription: Subscription, backlog: list[tuple[dict, str]],
           heartbeat: float, hello: tuple[int, bool], coalesce: float = COALESCE_SECONDS):
    """The body of one stream written the plain WSGI way, a thread waiting on it: the
    opening, then live events with heartbeats between them. Ends with a resync when it falls
    behind. (Under `flask serve` streams are held by the event-loop server instead,
    fanout.py; this serves the development server and a bare WSGI server.)

    Under load, events go out together, one write per wake-up. A stream that wrote less than
    `coalesce` seconds ago waits out the rest of it first, so a busy stream wakes at most
    1/coalesce times a second; a quiet one sends each event at once."""
    yield opening(subscription, backlog, hello)
    if hello[1]:
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
            farewell = hub.farewell(subscription)
            if farewell:
                yield farewell
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
