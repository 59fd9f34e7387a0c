"""What the benchmarks share, with signatures they can rely on: the city they run on, the
servers they start, the tokens they use, the stream clients and the CPU they count.

Every benchmark takes `--scale` (the synthetic city's size; 10 by default) and `--smoke`: the
smallest city (scale 1), a second or two of load and one run, so that tests/test_benchmarks.py
can run every one of them in the suite and a benchmark cannot rot unseen.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app, db  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.pgserver import Cluster  # noqa: E402

BENCH = ROOT / "bench"
WORK = BENCH / ".work"
VENV = BENCH / ".venv"          # the peers (TiPG, pygeoapi), installed by `make bench`
INCIDENTS_PER_STREET = 2_000    # random incidents in the layers' city: 20,000 at scale 10
SMOKE_SCALE = 1


def arguments(parser: argparse.ArgumentParser, smoke: dict) -> argparse.Namespace:
    """The benchmark's arguments with --scale and --smoke added; --smoke sets scale 1 and the
    benchmark's own small values (`smoke`: argument name → value)."""
    parser.add_argument("--scale", type=int, default=10, help="streets of the synthetic city (64 grids each)")
    parser.add_argument("--smoke", action="store_true",
                        help=f"the smallest city and a second or two of load, once: {smoke}")
    args = parser.parse_args()
    if args.smoke:
        for name, value in {"scale": SMOKE_SCALE, **smoke}.items():
            setattr(args, name, value)
    return args


def database_name(scale: int) -> str:
    return f"gridmap_bench_scale{scale}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def city_url(scale: int = 10) -> str:
    """The synthetic city's database at `scale`, with the cluster started, the schema at head
    and the city generated when missing: where every benchmark but the wall's runs."""
    cluster = db.embedded_cluster(load_settings())
    cluster.start()
    return ensure_city(cluster, scale)


def ensure_city(cluster: Cluster, scale: int = 10) -> str:
    url = cluster.ensure_database(database_name(scale))
    incidents = INCIDENTS_PER_STREET * scale
    db.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        ready = conn.execute(text("SELECT to_regclass('incident') IS NOT NULL")).scalar_one() and \
            conn.execute(text("SELECT count(*) FROM incident")).scalar_one() >= incidents
    if not ready:
        log(f"building the synthetic city at --scale {scale} (about {6 * scale} s) …")
        app = create_app({"DATABASE_URL": url})
        runner = app.test_cli_runner()
        for args in (["import", "categories"],
                     ["generate", "city", "--preset", "zhenxing", "--scale", str(scale), "--seed", "1"]):
            result = runner.invoke(args=args)
            if result.exit_code != 0 and "already has a division" not in result.output:
                raise SystemExit(result.output)
        with engine.begin() as conn:
            add_incidents(conn, incidents)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return url


def add_incidents(conn, count: int) -> None:
    """Incidents at random points of random grids (the incident workflow is another issue;
    the layer only needs rows)."""
    conn.execute(text("""
        INSERT INTO incident (code, category_code, severity, status, channel, description,
                              grid_id, community_id, street_id, level, reported_at, geom)
        SELECT 'B' || lpad(n::text, 6, '0'), c.code,
               (ARRAY['low','normal','high','critical'])[1 + n % 4],
               (ARRAY['reported','assigned','accepted','in_progress','resolved','closed'])[1 + (n * 7) % 6],
               'worker', 'benchmark incident', g.id, g.community_id, cm.parent_id, 'grid',
               now() - (n % 720) * interval '1 hour',
               ST_GeometryN(ST_GeneratePoints(g.geom, 1, n), 1)
        FROM generate_series(1, :n) n
        JOIN LATERAL (SELECT id, geom, community_id FROM grid
                      ORDER BY id OFFSET (n * 37) % (SELECT count(*) FROM grid) LIMIT 1) g ON true
        JOIN area cm ON cm.id = g.community_id
        JOIN LATERAL (SELECT code FROM category ORDER BY code
                      OFFSET n % (SELECT count(*) FROM category) LIMIT 1) c ON true
        ON CONFLICT (code) DO NOTHING"""), {"n": count})


def bench_token(url: str, username: str, role: str, whole_city: bool = False) -> str:
    """A fresh bearer token for a benchmark account, made on first use; `whole_city`: the
    account's scope is the city (an operator hearing every event)."""
    from sqlalchemy import select

    from app.models import AppUser, Area
    from app.services.accounts import accounts
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        session = db.session()
        user = session.scalar(select(AppUser).where(AppUser.username == username))
        if user is None:
            city = session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id)) \
                if whole_city else None
            user = accounts.create_user(session, username, "bench-password", role,
                                        **({"scope_area_code": city.code} if city else {}))
        _, token = accounts.create_token(session, user, "bench")
        session.commit()
    return token


def flask_serve(port: int, workers: int = 2, threads: int = 32) -> list[str]:
    """Gridmap as a city runs it (`flask serve`): nginx in front of gunicorn and the event-loop
    server that holds the live streams."""
    return [sys.executable, "-m", "flask", "serve", "--port", str(port), "--workers", str(workers),
            "--threads", str(threads), "--no-simulate"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(name: str, command: list[str], env: dict, port: int, probe: str):
    log(f"starting {name} on :{port}")
    WORK.mkdir(exist_ok=True)
    logfile = open(WORK / f"{name}.log", "w")
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=logfile, stderr=subprocess.STDOUT,
                               cwd=str(WORK), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = request(port, probe, {})
                if status < 500:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start; see {WORK / (name + '.log')}")
            time.sleep(0.5)
        yield
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:       # workers stuck in answers that take minutes
            os.killpg(process.pid, 9)
            process.wait(timeout=30)
        logfile.close()


def request(port: int, path: str, headers: dict, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, body, response.getheader("Content-Encoding")


# -- the live stream's clients -------------------------------------------------------------

class Listener:
    """One SSE client. While the benchmark runs it only stamps each chunk it receives with
    the time, so 100 clients cost the machine little CPU; the chunks are parsed afterwards
    (an event's arrival is the time of the chunk that completed it). One thread reads every
    listener's socket as it becomes readable (Streams): a thread per client cost the client
    a wake-up per client per write."""

    def __init__(self, port: int, token: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.sendall((f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode())
        self.sock.setblocking(False)
        self.chunks: list[tuple[float, bytes]] = []
        self.ready = threading.Event()
        self.head = b""
        self.closed = False
        self._raw = b""          # chunked framing not yet read: behind nginx a chunk may end mid-line
        self._left = 0           # bytes left in the current chunk
        self._rest = b""         # a line not yet ended

    def readable(self, arrived: float) -> None:
        try:
            data = self.sock.recv(262144)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return
        if self.ready.is_set():
            self.chunks.append((arrived, data))
            return
        self.head += data
        if b" 200 " not in self.head.split(b"\r\n", 1)[0]:
            raise SystemExit(f"stream refused: {self.head[:200]!r}")
        if b"event: hello" in self.head:
            self._dechunk(self.head.split(b"\r\n\r\n", 1)[1])      # the hello: read past it
            self.ready.set()

    def _dechunk(self, data: bytes) -> bytes:
        """The body bytes of `data`, HTTP/1.1 chunk framing taken off."""
        out, buf, i = bytearray(), self._raw + data, 0
        while i < len(buf):
            if self._left:
                taken = min(self._left, len(buf) - i)
                out += buf[i:i + taken]
                i += taken
                self._left -= taken
                continue
            end = buf.find(b"\r\n", i)
            if end < 0:
                break
            size, i = buf[i:end], end + 2
            if size:                 # (an empty line is the CRLF that closes a chunk's data)
                self._left = int(size.split(b";")[0], 16)
        self._raw = buf[i:]
        return bytes(out)

    def take(self) -> tuple[list[tuple[float, bytes]], int]:
        """(arrival, data line) of every incident event received so far, and the number of
        resyncs; forgets them."""
        chunks, self.chunks = self.chunks, []
        arrivals, resyncs = [], 0
        for arrived, data in chunks:
            lines = (self._rest + self._dechunk(data)).split(b"\n")
            self._rest = lines.pop()
            for line in lines:
                if line.startswith(b"data:") and b'"incident"' in line[:80]:   # the type, after an id of any length
                    arrivals.append((arrived, line))
                elif line.startswith(b"event: resync"):
                    resyncs += 1
        return arrivals, resyncs

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def operator_token(url: str) -> str:
    """An operator whose scope is the whole city: reports, dispatches, and hears every event."""
    return bench_token(url, "bench_operator", "operator", whole_city=True)


class Streams:
    """The SSE clients, in a process of their own, read by one thread: reading them in the
    posters' process would take the interpreter lock from the posters and slow the client,
    not the server. Arrival times are perf_counter (CLOCK_MONOTONIC), the same clock in both
    processes."""

    def __init__(self, port: int, token: str):
        self.pipe, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=Streams._serve, args=(child, port, token), daemon=True)
        self.process.start()
        self.count = 0

    def _ask(self, *command):
        self.pipe.send(command)
        answer = self.pipe.recv()
        if isinstance(answer, str):
            raise SystemExit(answer)
        return answer

    def open(self, count: int) -> None:
        self._ask("open", count)
        self.count += count

    def take(self) -> list[tuple[list[tuple[float, bytes]], int]]:
        return self._ask("take")

    def received(self) -> int:
        return self._ask("received")

    def close(self) -> None:
        self._ask("close")
        self.process.join(10)

    @staticmethod
    def _serve(pipe, port: int, token: str) -> None:
        listeners: list[Listener] = []
        selector = selectors.DefaultSelector()
        lock = threading.Lock()

        def pump():
            while True:
                with lock:
                    if not selector.get_map():
                        ready = []
                    else:
                        ready = selector.select(timeout=0.05)
                if not ready:
                    time.sleep(0.01)
                    continue
                arrived = time.perf_counter()
                for key, _ in ready:
                    listener = key.data
                    listener.readable(arrived)
                    if listener.closed:
                        with lock:
                            selector.unregister(listener.sock)

        threading.Thread(target=pump, daemon=True).start()
        while True:
            command = pipe.recv()
            try:
                if command[0] == "open":
                    fresh = [Listener(port, token) for _ in range(command[1])]
                    with lock:
                        for listener in fresh:
                            selector.register(listener.sock, selectors.EVENT_READ, listener)
                    for listener in fresh:
                        if not listener.ready.wait(30):
                            raise SystemExit("a stream did not say hello within 30 s")
                    listeners += fresh
                    pipe.send(True)
                elif command[0] == "take":
                    pipe.send([listener.take() for listener in listeners])
                elif command[0] == "received":
                    pipe.send(sum(len(listener.chunks) for listener in listeners))
                elif command[0] == "close":
                    for listener in listeners:
                        listener.close()
                    pipe.send(True)
                    return
            except (SystemExit, OSError) as error:
                pipe.send(f"stream clients failed: {error}")


def cpu_seconds(client: tuple[int, ...] = ()) -> dict[str, float]:
    """CPU time used so far by the server's processes, PostgreSQL's, the client's (`client`:
    its process ids, e.g. the posters' and the stream readers'), and the whole machine (busy,
    from /proc/stat): where the machine's two cores went during a phase."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "gunicorn": 0.0, "streams": 0.0, "nginx": 0.0, "postgres": 0.0, "client": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            cmdline = (stat.parent / "cmdline").read_bytes()
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = ("client" if int(stat.parent.name) in client else "gunicorn" if b"gunicorn" in cmdline
                else "streams" if b"serve-streams" in cmdline else "nginx" if cmdline.startswith(b"nginx")
                else "postgres" if b"postgres" in cmdline else None)
        if name:
            used[name] += (int(fields[11]) + int(fields[12])) / tick
            if name in ("gunicorn", "streams", "nginx"):      # what `flask serve` runs, together
                used["server"] += (int(fields[11]) + int(fields[12])) / tick
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    used["machine_busy"] = (sum(map(int, cpu)) - int(cpu[3]) - int(cpu[4])) / tick
    return used

