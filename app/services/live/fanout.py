"""The live streams of an event-loop server (app/asgi.py): each open stream is a coroutine on
one loop, not a thread, so a city's 10,000 phones and walls cost memory, not threads.

The hub (stream.py) still listens, numbers and logs on its own thread, and still asks about
each stream's access; it pokes the loop when it publishes or ends a stream. The loop takes
what is new once, finds the streams each event reaches through the `Audiences` index, and
queues the event's frame (encoded once) on each. A stream writes what waits as one chunk, at
most 1/coalesce times a second (a quiet one at once), and a heartbeat after `heartbeat`
seconds of quiet. A client that lets more than MAX_PENDING bytes pile up is cut off, its
connection aborted: no other stream waits for it, and its browser comes back with
Last-Event-ID and replays what it missed, as after a resync.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .audiences import Audiences
from .stream import COALESCE_SECONDS, HEARTBEAT, Hub, Published, Subscription, resync_frame

MAX_PENDING = 4 * 1024 * 1024
WRITE_LIMIT = 256 * 1024      # bytes handed to one write: the server buffers whatever it is given

log = logging.getLogger(__name__)

Send = Callable[[bytes, bool], Awaitable[None]]      # (body, more to come)


@dataclass(eq=False)
class Held:
    subscription: Subscription
    send: Send
    abort: Callable[[], None] | None
    heartbeat: float
    after: int                    # the hub's count when it subscribed: older events are not its
    frames: list[bytes] = field(default_factory=list)
    size: int = 0                 # bytes queued and not yet handed to `send`
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    writing: bool = False         # waiting in `send`: a slow reader's flow control holds it there
    cut: bool = False             # it fell MAX_PENDING behind while writing: aborted
    behind: bool = False          # the loop fell behind the hub's log: told to resync
    gone: bool = False            # the client went away


class Fanout:
    def __init__(self, hub: Hub, loop: asyncio.AbstractEventLoop, coalesce: float = COALESCE_SECONDS,
                 max_pending: int = MAX_PENDING):
        self._hub, self._loop = hub, loop
        self._coalesce = coalesce
        self.max_pending = max_pending
        self._reader = hub.reader()
        self._audiences: Audiences[Held] = Audiences()
        self._held: dict[Subscription, Held] = {}
        self._poked = False
        hub.watch(self._news_from_hub, self._end_from_hub)

    @property
    def count(self) -> int:
        return len(self._held)

    def close(self) -> None:
        """The loop is ending: the hub stops poking it."""
        self._hub.unwatch(self._news_from_hub, self._end_from_hub)

    async def hold(self, subscription: Subscription, send: Send, heartbeat: float,
                   abort: Callable[[], None] | None = None,
                   gone: Callable[[], Awaitable[None]] | None = None) -> None:
        """Writes `subscription`'s live events with `send` until the stream ends. The caller
        has written the hello and the backlog, and unsubscribes from the hub afterwards.
        `abort` drops the connection at once (a slow reader); `gone()` returns when the
        client has gone away."""
        held = Held(subscription, send, abort, heartbeat, after=subscription.cursor,
                    task=asyncio.current_task())
        self._join(held)
        watcher = self._loop.create_task(self._watch(held, gone)) if gone is not None else None
        try:
            await self._write(held)
        except asyncio.CancelledError:
            if not held.cut:          # a slow reader without `abort` is cancelled: that ends it
                raise
        finally:
            if watcher is not None:
                watcher.cancel()
            self._leave(held)

    # -- the hub's thread -----------------------------------------------------------------

    def _news_from_hub(self) -> None:
        # one call on the loop per burst: the loop takes everything new when it runs
        if not self._poked:
            self._poked = True
            self._call(self._take)

    def _end_from_hub(self, subscription: Subscription | None) -> None:
        self._call(self._wake_ended, subscription)

    def _call(self, callback, *args) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:          # the loop has closed (a server stopping): no one to tell
            pass

    # -- the loop ---------------------------------------------------------------------------

    def _take(self) -> None:
        self._poked = False
        fresh = self._hub.take(self._reader, 0)
        if fresh is None:
            # the loop fell behind the hub's whole log (it was blocked for thousands of
            # events): every stream resumes by replay rather than miss any
            log.warning("stream fanout fell behind the hub's log; %d stream(s) told to resync",
                        len(self._held))
            self._reader = self._hub.reader()
            for held in list(self._held.values()):
                held.behind = True
                held.woken.set()
            return
        for published in fresh:
            for held in self._audiences.reached_by(published.event):
                if self._is_news_to(held, published):
                    self._queue(held, published.frame)

    @staticmethod
    def _is_news_to(held: Held, published: Published) -> bool:
        """Events before it subscribed, and incident events that went out in its backlog
        while they also came live, are not news to a stream."""
        if published.n <= held.after:
            return False
        event = published.event
        return event.get("type") != "incident" or event["id"] > held.subscription.replayed_up_to

    def _join(self, held: Held) -> None:
        self._held[held.subscription] = held
        self._audiences.add(held, held.subscription.audience)
        # what the loop fanned out between its subscribing and now went past it
        missed = self._hub.logged(held.after, self._reader.cursor)
        if missed is None:
            held.behind = True
            held.woken.set()
            return
        audience = held.subscription.audience
        for published in missed:
            if published.accepted_by(audience) and self._is_news_to(held, published):
                self._queue(held, published.frame)

    def _leave(self, held: Held) -> None:
        if self._held.pop(held.subscription, None) is not None:
            self._audiences.remove(held, held.subscription.audience)

    def _queue(self, held: Held, frame: bytes) -> None:
        if held.cut:
            return
        held.frames.append(frame)
        held.size += len(frame)
        # a burst that piles up between two turns is written at the next; only a stream held
        # up in its last write while more piles up is a reader that is not reading
        if held.writing and held.size > self.max_pending:
            self._cut(held)
        held.woken.set()

    def _cut(self, held: Held) -> None:
        held.cut = True
        held.frames.clear()
        log.info("stream fanout cut off a client %d bytes behind", held.size)
        if held.abort is not None:
            held.abort()              # the send it is stuck in returns: the connection is gone
        elif held.task is not None:
            held.task.cancel()

    def _wake_ended(self, subscription: Subscription | None) -> None:
        if subscription is None:
            for held in self._held.values():
                held.woken.set()
        elif (held := self._held.get(subscription)) is not None:
            held.woken.set()

    @staticmethod
    def _slice(held: Held) -> bytes:
        """What waits, up to WRITE_LIMIT (at least a frame): a burst handed to one write would
        sit whole in the connection's buffer, past the reach of MAX_PENDING."""
        taken, size = 0, 0
        while taken < len(held.frames) and (taken == 0 or size + len(held.frames[taken]) <= WRITE_LIMIT):
            size += len(held.frames[taken])
            taken += 1
        body = b"".join(held.frames[:taken])
        del held.frames[:taken]
        held.size -= size
        if held.frames:
            held.woken.set()              # the rest goes in the next period
        return body

    async def _watch(self, held: Held, gone: Callable[[], Awaitable[None]]) -> None:
        await gone()
        held.gone = True
        held.woken.set()

    async def _write(self, held: Held) -> None:
        hub, subscription = self._hub, held.subscription
        last_write = self._loop.time()          # the hello and the backlog went just now
        while True:
            quiet = False
            if not held.woken.is_set():
                try:
                    async with asyncio.timeout(held.heartbeat):
                        await held.woken.wait()
                except TimeoutError:
                    quiet = True
            if held.frames:
                # a busy stream writes once per period: what comes meanwhile goes with it
                rest = self._coalesce - (self._loop.time() - last_write)
                if rest > 0:
                    await asyncio.sleep(rest)
            held.woken.clear()
            if held.cut or held.gone:
                return
            if hub.ended(subscription):
                await held.send(hub.farewell(subscription), False)
                return
            if held.behind:
                await held.send(resync_frame("the client fell behind; reconnect to catch up"), False)
                return
            if held.frames:
                body = self._slice(held)
            elif quiet:
                body = HEARTBEAT
            else:
                continue
            held.writing = True
            try:
                await held.send(body, True)
            finally:
                held.writing = False
            last_write = self._loop.time()
