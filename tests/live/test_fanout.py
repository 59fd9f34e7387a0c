"""The event loop's side of the stream: thousands of streams on one loop, each written what
its audience may see, in batches, with heartbeats when quiet; a reader that stops reading is
cut off without holding up the others; ending the streams ends each body cleanly. Fed by
hand here: a hub without its database listener, and `send`s that record what they were given
(the real server, nginx and the database are in test_serve.py and test_stream.py)."""
from __future__ import annotations

import asyncio
import json

import pytest
import shapely

from app.services.live import stream
from app.services.live.fanout import Fanout
from tests.conftest import hub_subscription, incident_notice

EVERYONE = stream.Audience("all", "all", everything=True, key=("all",), area_key=("all",))


def area_audience(west: float, east: float, worker_id: int | None = None) -> stream.Audience:
    """Sees incidents between two longitudes (and at latitude 30, where incident_notice puts
    them); hears its worker's tasks anywhere."""
    area = shapely.box(west, 29, east, 31)
    shapely.prepare(area)
    area_key = ("all", None, worker_id is not None, False, (west, east))
    return stream.Audience("all", None, worker_id, area, False, area_key + (worker_id,), area_key)


def task_notice(stream_id: int, lon: float, assignee: int) -> str:
    event = json.loads(incident_notice(stream_id, lon))
    event["incident"]["assignee_id"] = assignee
    return json.dumps(event)


class Client:
    """One stream's `send`: what it was given, as (body, more)."""

    def __init__(self, blocked: bool = False):
        self.writes: list[tuple[bytes, bool]] = []
        self.blocked = asyncio.Event() if blocked else None
        self.aborted = False

    async def send(self, body: bytes, more: bool) -> None:
        if self.blocked is not None:
            await self.blocked.wait()          # a client that reads nothing: flow control holds the write
        self.writes.append((body, more))

    def abort(self) -> None:
        self.aborted = True
        if self.blocked is not None:
            self.blocked.set()                 # the connection is gone: the write returns

    @property
    def body(self) -> bytes:
        return b"".join(b for b, _ in self.writes)

    def ids(self) -> list[int]:
        return [int(line[4:]) for line in self.body.decode().splitlines() if line.startswith("id: ")]

    @property
    def ended(self) -> bool:
        return bool(self.writes) and not self.writes[-1][1]


@pytest.fixture()
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture()
def fed(loop):
    """(hub, fanout, hold): hold(audience) opens a stream and gives its Client."""
    hub = stream.Hub("")
    fanout = Fanout(hub, loop, coalesce=0.05)
    def hold(audience=EVERYONE, heartbeat: float = 30.0, client: Client | None = None, replayed_up_to: int = 0):
        subscription = hub_subscription(hub, audience)
        subscription.replayed_up_to = replayed_up_to
        client = client or Client()
        loop.create_task(fanout.hold(subscription, client.send, heartbeat, abort=client.abort))
        return client

    yield hub, fanout, hold
    hub.end_streams()
    settle(loop, 0.2)
    for task in asyncio.all_tasks(loop):
        task.cancel()
    settle(loop, 0.01)
    fanout.close()


def settle(loop, seconds: float = 0.15) -> None:
    """Runs the loop for a while: the hub's pokes and the streams' writes happen."""
    loop.run_until_complete(asyncio.sleep(seconds))


def test_a_stream_gets_a_burst_of_events_as_one_write(loop, fed):
    hub, _, hold = fed
    wall = hold()
    settle(loop, 0.01)
    for stream_id in (1, 2, 3):
        hub._publish(incident_notice(stream_id))
    settle(loop)
    assert [w for w, more in wall.writes if more and b"id:" in w] == [wall.body]
    assert wall.ids() == [1, 2, 3]


def test_a_busy_stream_writes_at_most_once_per_period_and_loses_nothing(loop, fed):
    hub, _, hold = fed
    wall = hold()
    settle(loop, 0.01)

    async def publish():
        for stream_id in range(1, 41):
            hub._publish(incident_notice(stream_id))
            await asyncio.sleep(0.005)          # 200 events a second for 0.2 s
        await asyncio.sleep(0.15)
    loop.run_until_complete(publish())
    assert wall.ids() == list(range(1, 41))
    assert len(wall.writes) <= 0.35 / 0.05 + 1


def test_each_stream_gets_what_its_area_sees_and_its_worker_hears_anywhere(loop, fed):
    hub, _, hold = fed
    west, east = hold(area_audience(119, 120.5)), hold(area_audience(120.5, 122))
    worker = hold(area_audience(119, 120.5, worker_id=7))
    wall = hold()
    settle(loop, 0.01)
    hub._publish(incident_notice(1, lon=120.0))
    hub._publish(incident_notice(2, lon=121.0))
    hub._publish(task_notice(3, lon=121.5, assignee=7))         # a task far outside its grid
    settle(loop)
    assert west.ids() == [1]
    assert east.ids() == [2, 3]
    assert worker.ids() == [1, 3]
    assert wall.ids() == [1, 2, 3]


def test_events_already_in_the_backlog_are_not_written_again(loop, fed):
    hub, _, hold = fed
    resumed = hold(replayed_up_to=2)
    settle(loop, 0.01)
    for stream_id in (1, 2, 3):          # 1 and 2 came live while the backlog was read
        hub._publish(incident_notice(stream_id))
    settle(loop)
    assert resumed.ids() == [3]


def test_what_came_between_subscribing_and_being_held_is_not_lost(loop, fed):
    hub, fanout, _ = fed
    subscription = hub_subscription(hub, EVERYONE)     # the view subscribed, then read the backlog…
    hub._publish(incident_notice(1))                    # …while this came and the loop fanned it out
    settle(loop)
    client = Client()
    task = loop.create_task(fanout.hold(subscription, client.send, 30.0))
    hub._publish(incident_notice(2))
    settle(loop)
    assert client.ids() == [1, 2]
    hub.end_streams()
    settle(loop)
    assert task.done()


def test_a_quiet_stream_gets_heartbeats(loop, fed):
    _, _, hold = fed
    quiet = hold(heartbeat=0.05)
    settle(loop, 0.3)
    assert quiet.writes and all(w == stream.HEARTBEAT for w, _ in quiet.writes)
    assert 3 <= len(quiet.writes) <= 7


def test_a_client_that_stops_reading_is_cut_off_and_the_others_get_everything(loop, fed):
    hub, fanout, hold = fed
    fanout.max_pending = 4096
    stuck = hold(client=Client(blocked=True))
    reading = hold()
    settle(loop, 0.01)
    hub._publish(incident_notice(1))
    settle(loop, 0.1)                          # its write of event 1 is held up
    assert not stuck.aborted
    for stream_id in range(2, 201):
        hub._publish(incident_notice(stream_id, description="x" * 100))
    settle(loop, 0.3)
    assert stuck.aborted
    assert reading.ids() == list(range(1, 201))
    assert fanout.count == 1                   # the stuck one is gone


def test_a_client_that_went_away_is_dropped(loop, fed):
    hub, fanout, _ = fed
    gone = asyncio.Event()
    client = Client()
    subscription = hub_subscription(hub, EVERYONE)
    task = loop.create_task(fanout.hold(subscription, client.send, 30.0, gone=gone.wait))
    settle(loop, 0.01)
    assert fanout.count == 1
    gone.set()
    settle(loop, 0.05)
    assert task.done() and fanout.count == 0


def test_ending_the_streams_ends_each_body_cleanly(loop, fed):
    hub, fanout, hold = fed
    walls = [hold() for _ in range(3)]
    settle(loop, 0.01)
    hub._publish(incident_notice(1))
    settle(loop)
    hub.end_streams()
    settle(loop)
    assert all(w.ended and w.ids() == [1] for w in walls)
    assert fanout.count == 0


def test_a_stream_the_hub_ends_alone_says_why_and_the_others_stay(loop, fed):
    hub, fanout, _ = fed
    clients, subscriptions = [], []
    for _ in range(2):
        subscription = hub_subscription(hub, EVERYONE)
        client = Client()
        loop.create_task(fanout.hold(subscription, client.send, 30.0))
        clients.append(client)
        subscriptions.append(subscription)
    settle(loop, 0.01)
    hub.end(subscriptions[0], stream.ENDED_ACCESS_CHANGED)
    settle(loop, 0.05)
    assert clients[0].ended and clients[0].body.startswith(b": end access-changed")
    assert not clients[1].ended and fanout.count == 1
