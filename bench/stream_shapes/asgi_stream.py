"""ASGI shape for issue 23 (bench stand-in, not the real endpoint): one uvicorn process that
holds the SSE streams beside the WSGI app.

- psycopg AsyncConnection LISTENs (conn.notifies()) on BENCH_CHANNEL (the stand-in
  publisher NOTIFYs there) and also on the real `gridmap_stream`, only counted (smoke).
- Subscribers are grouped by audience: each event is judged once per distinct audience,
  then its frame (encoded once) is appended to each member's pending buffer.
- Each stream's coroutine wakes, waits out the rest of COALESCE after its last write (a busy
  stream writes at most 10×/s, a quiet one at once), and writes its pending bytes as one chunk;
  heartbeat after HEARTBEAT s of quiet; cut off when more than MAX_PENDING waits.
Auth is NOT wired: ?aud=all (a wall) or ?aud=g<grid> (a phone) says the audience.
"""
from __future__ import annotations

import asyncio, json, os, time
from urllib.parse import parse_qs

import psycopg
import shapely

JUDGE = os.environ.get("BENCH_JUDGE", "grid")     # 'shapely': judge with intersects_xy

CHANNEL = os.environ.get("BENCH_CHANNEL", "bench_stream_shapes")
REAL = "gridmap_stream"
HEARTBEAT = float(os.environ.get("BENCH_HEARTBEAT", "15"))
COALESCE = float(os.environ.get("BENCH_COALESCE", "0.1"))
MAX_PENDING = 4 * 1024 * 1024
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def conninfo() -> str:
    var = os.path.join(ROOT, "var")
    port = open(os.path.join(var, "pgport")).read().strip()
    password = open(os.path.join(var, "pgpassword")).read().strip()
    return f"host=127.0.0.1 port={port} user=gridmap password={password} dbname=gridmap"


class Member:
    __slots__ = ("pending", "wake", "gone", "cut")

    def __init__(self):
        self.pending = bytearray()
        self.wake = asyncio.Event()
        self.gone = False
        self.cut = False


class Group:
    __slots__ = ("key", "members", "judge", "area")

    def __init__(self, key):
        self.key = key
        self.members: set[Member] = set()
        self.area = None
        if key != "all" and JUDGE == "strtree":
            grid = int(key[1:])
            x, y = grid % 32, grid // 32
            self.area = shapely.Point(x + .5, y + .5).buffer(.5, quad_segs=12)
            shapely.prepare(self.area)
        if key == "all":
            self.judge = lambda event: True
        elif JUDGE == "shapely":      # the real check's cost: a point in a prepared polygon
            grid = int(key[1:])
            x, y = grid % 32, grid // 32
            area = shapely.Point(x + .5, y + .5).buffer(.5, quad_segs=12)     # ~49 vertices
            shapely.prepare(area)
            self.judge = lambda event: shapely.intersects_xy(area, event["x"], event["y"])
        else:
            grid = int(key[1:])
            self.judge = lambda event: event.get("g") == grid


groups: dict[str, Group] = {}
stats = {"events": 0, "judged": 0, "real_notifies": 0, "listening": False, "cut": 0}


_tree = {"tree": None, "everyone": [], "spatial": [], "dirty": True}


def _candidates(event):
    """JUDGE=strtree: the audiences whose area holds the event's point, from an STRtree of
    the distinct areas (rebuilt when the set of audiences changed), plus those that see all."""
    t = _tree
    if t["dirty"]:
        t["everyone"] = [g for g in groups.values() if g.area is None]
        t["spatial"] = [g for g in groups.values() if g.area is not None]
        t["tree"] = shapely.STRtree([g.area for g in t["spatial"]]) if t["spatial"] else None
        t["dirty"] = False
    hits = []
    if t["tree"] is not None:
        hits = [t["spatial"][i] for i in t["tree"].query(shapely.Point(event["x"], event["y"]),
                                                          predicate="intersects")]
    return t["everyone"] + hits


def publish(payload: str) -> None:
    event = json.loads(payload)
    g = event.get("g", 0)
    event["x"], event["y"] = g % 32 + .5, g // 32 + .5     # the event's point: its grid's centre
    frame = f"id: {event.get('s')}\nevent: incident\ndata: {payload}\n\n".encode()
    stats["events"] += 1
    if JUDGE == "strtree":
        for group in _candidates(event):
            stats["judged"] += 1
            for m in group.members:
                m.pending += frame
                if len(m.pending) > MAX_PENDING:
                    m.cut = True
                m.wake.set()
        return
    for group in groups.values():          # once per distinct audience, not per connection
        stats["judged"] += 1
        if group.judge(event):
            for m in group.members:
                m.pending += frame
                if len(m.pending) > MAX_PENDING:
                    m.cut = True
                m.wake.set()


async def listen() -> None:
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                await conn.execute(f"LISTEN {REAL}")
                stats["listening"] = True
                async for notice in conn.notifies():
                    if notice.channel == CHANNEL:
                        publish(notice.payload)
                    else:
                        stats["real_notifies"] += 1
        except (psycopg.Error, OSError) as error:
            stats["listening"] = False
            print("listen failed, retrying:", error, flush=True)
            await asyncio.sleep(1)


async def stream(scope, receive, send):
    aud = parse_qs(scope.get("query_string", b"").decode()).get("aud", ["all"])[0]
    group = groups.get(aud)
    if group is None:
        group = groups[aud] = Group(aud)
        _tree["dirty"] = True
    member = Member()
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "more_body": True,
                "body": b"retry: 2000\nevent: hello\ndata: {}\n\n"})
    group.members.add(member)

    async def watch():             # the request's (empty) body first, then the disconnect
        while (await receive())["type"] != "http.disconnect":
            pass
        member.gone = True
        member.wake.set()
    gone = asyncio.ensure_future(watch())
    loop = asyncio.get_running_loop()
    last_write = loop.time()
    try:
        while not member.gone:
            if not member.pending:
                try:
                    async with asyncio.timeout(HEARTBEAT):
                        await member.wake.wait()
                except TimeoutError:
                    pass
            member.wake.clear()
            if member.gone:
                break
            if member.cut:
                stats["cut"] += 1
                break
            rest = COALESCE - (loop.time() - last_write)
            if rest > 0 and member.pending:
                await asyncio.sleep(rest)
            data = bytes(member.pending) or b": heartbeat\n\n"
            member.pending.clear()
            last_write = loop.time()
            await send({"type": "http.response.body", "body": data, "more_body": True})
    finally:
        group.members.discard(member)
        if not group.members:
            groups.pop(aud, None)
            _tree["dirty"] = True
        gone.cancel()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                app.listener = asyncio.ensure_future(listen())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                app.listener.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    if path == "/stream":
        return await stream(scope, receive, send)
    if path == "/stats":
        body = json.dumps({**stats, "groups": len(groups),
                           "streams": sum(len(g.members) for g in groups.values())}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})
