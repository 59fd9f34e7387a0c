"""Issue 23: 10,000 open live streams on one machine, and ordinary requests untouched.

    .venv/bin/python bench/streams.py                       (10,000 streams, 50 and 200 reports/s)
    .venv/bin/python bench/streams.py --streams 1000 --rates 50,200 --seconds 10
    .venv/bin/python bench/streams.py --smoke               (scale 1, 50 streams, 1 s: for the tests)

The real app, served as production serves it: `flask serve --port P --no-simulate`, whatever that
starts (gunicorn alone, or nginx in front of gunicorn and a stream server: every figure of the
server sums ALL the processes descended from that command, and those of its session), on the
scale-N synthetic city (640 grids at scale 10). In ONE run:

1. GET /api/v1/categories p50 with no stream open (a separate process, sequential requests at
   --get-pace per second; each times out after --get-timeout s, and a time-out is reported, the
   probe stops there).
2. --streams GET /api/v1/stream from one client process (asyncio, uvloop when importable, raw
   HTTP/1.1, SSE and chunked framing parsed as they come): --walls operator streams whose scope
   is the whole city, the rest phones, each a grid worker's bearer token (scope: their grid),
   spread round-robin over the city's grids. Counted: answered (status 200 and the hello event
   before --open-timeout), refused, never answered; how long opening took; server memory (PSS
   from /proc/<pid>/smaps_rollup) before and after: growth ÷ streams answered.
3. GET p50 with every stream open and idle; the server's CPU while idle.
4. For each of --rates: real reports, POST /api/v1/incidents (with an Idempotency-Key, as the
   phone's outbox sends) at that steady rate for --seconds from --rate-connections keep-alive
   connections (open loop: a report is sent when due, not when the previous one is answered),
   points spread over every grid. For every report and every stream that may see it (every
   wall; the phones of its grid), the delay from sending the POST to that stream reading the
   report's event: p50/p99 for all, phones, walls; deliveries missing --drain s after the last
   report; unexpected ones (a phone given an event of another grid not assigned to its worker:
   a privacy failure, must be 0); the server's CPU seconds per 1,000 reports; GET p50 meanwhile.
5. Intake: --posters connections post as fast as they are answered for --intake-seconds (after
   --intake-warmup s not counted), every stream still open: reports/s (goal ≥ 200/s).

Prints one markdown table; everything measured goes to bench/.work/streams-<time>.json.
A POST that gets no answer in --post-timeout s stops its phase (the server is saturated: the
thread-per-stream shape with more streams than threads answers nothing more).

Honest limits, said in the output too: the phones of one grid share its worker's account
(≈15 phones per worker at 10,000 streams), each with its own token: the server sees one phone
audience per grid (640), not one per phone. The client runs on the same 2 shared cores as
the server: compare ratios and the figures of one run, not absolute numbers across runs.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, WORK, arguments, city_url, free_port, log, serve  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

SMOKE = {"streams": 50, "walls": 5, "rates": "20", "seconds": 1.0, "posters": 2,
         "intake_seconds": 1.0, "intake_warmup": 0.3, "get_seconds": 1.0, "drain": 1.5,
         "idle_seconds": 1.0, "open_timeout": 20.0, "rate_connections": 4}
WALL_USER = "bench_streams_wall"            # operators, scope: the city
REPORTER = "bench_streams_reporter"         # the operator who posts the reports and GETs
PHONE_PREFIX = "bench_w_"                   # + the worker's code: that grid worker's account
POINTS_PER_GRID = 8
TICK = os.sysconf("SC_CLK_TCK")


# -- the accounts and their tokens, in bulk ----------------------------------------------------

def prepare(url: str, walls: int, phones: int) -> dict:
    """Accounts (made once) and fresh tokens (the previous run's deleted): one operator for
    the walls, one reporter, and an account per grid worker; a token per wall and per phone.
    Plain SQL: 10,000 tokens in about a second. Returns what the client needs."""
    from app.services.accounts import accounts
    engine = create_engine(url)
    with engine.begin() as conn:
        # a benchmark's set-up, like a bulk load: not one audit row per token per run
        conn.execute(text("SELECT set_config('gridmap.audit', 'off', true)"))
        city = conn.execute(text("SELECT id FROM area WHERE parent_id IS NULL ORDER BY id LIMIT 1")).scalar_one()
        grids = conn.execute(text("""
            SELECT DISTINCT ON (g.id) g.code, w.id, w.code
            FROM grid g JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
            JOIN worker w ON w.id = a.worker_id
            WHERE g.valid_to IS NULL
            ORDER BY g.id, (w.role = 'full_time') DESC, w.id""")).all()
        if not grids:
            raise SystemExit("the city has no grid with a worker")
        password = accounts.hash_password(secrets.token_urlsafe(16))     # nobody logs in with it
        conn.execute(text("""
            INSERT INTO app_user (username, password_hash, role, scope_area_id)
            VALUES (:wall, :pw, 'operator', :city), (:reporter, :pw, 'operator', :city)
            ON CONFLICT (username) DO NOTHING"""), {"wall": WALL_USER, "reporter": REPORTER,
                                                   "pw": password, "city": city})
        conn.execute(text("""
            INSERT INTO app_user (username, password_hash, role, worker_id)
            SELECT :prefix || w.code, :pw, 'worker', w.id FROM worker w WHERE w.id = ANY(:ids)
            ON CONFLICT (username) DO NOTHING"""),
            {"prefix": PHONE_PREFIX, "pw": password, "ids": [g[1] for g in grids]})
        users = dict(conn.execute(text("""
            SELECT username, id FROM app_user WHERE username IN (:wall, :reporter)
               OR username LIKE :like"""), {"wall": WALL_USER, "reporter": REPORTER,
                                             "like": PHONE_PREFIX.replace("_", r"\_") + "%"}).all())
        conn.execute(text("DELETE FROM api_token WHERE user_id = ANY(:ids)"), {"ids": list(users.values())})
        rows: list[tuple[int, str]] = []

        def token(username: str) -> str:
            secret = accounts.TOKEN_PREFIX + secrets.token_urlsafe(32)
            rows.append((users[username], secret))
            return secret

        wall_tokens = [token(WALL_USER) for _ in range(walls)]
        reporter_token = token(REPORTER)
        probe_token = token(REPORTER)
        phone_specs = []
        for i in range(phones):
            grid_code, worker_id, worker_code = grids[i % len(grids)]
            phone_specs.append((grid_code, worker_id, token(PHONE_PREFIX + worker_code)))
        conn.execute(text("""
            INSERT INTO api_token (user_id, name, token_hash, prefix)
            SELECT u, 'bench streams', h, p FROM unnest(CAST(:users AS integer[]),
                CAST(:hashes AS text[]), CAST(:prefixes AS text[])) AS t(u, h, p)"""),
            {"users": [u for u, _ in rows], "hashes": [accounts.token_digest(s) for _, s in rows],
             "prefixes": [s[:10] for _, s in rows]})
        # what earlier runs reported and left open: closed in one statement, as
        # bench/incidents.py does, so the duplicate search does not grow run by run
        closed = conn.execute(text("""
            UPDATE incident SET status = 'closed', closed_at = now(), version = version + 1
            WHERE reported_by = :by AND status <> 'closed'"""), {"by": f"user:{REPORTER}"}).rowcount
        points = conn.execute(text("""
            SELECT g.code, ST_X(p.geom), ST_Y(p.geom)
            FROM grid g CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
                 CASE WHEN ST_IsEmpty(ST_Buffer(g.geom, -0.00005)) THEN g.geom
                      ELSE ST_Buffer(g.geom, -0.00005) END, :k, 7)) p
            WHERE g.valid_to IS NULL ORDER BY g.code, p.path"""), {"k": POINTS_PER_GRID}).all()
        categories = conn.execute(text("SELECT code FROM category ORDER BY code")).scalars().all()
    engine.dispose()
    rng = random.Random(23)
    pool = [{"category": rng.choice(categories), "point": [round(x, 7), round(y, 7)],
             "description": "bench streams report", "_grid": code} for code, x, y in points]
    rng.shuffle(pool)
    log(f"{len(rows):,} tokens made for {len(users):,} accounts; {len(grids)} grids; "
        f"closed {closed:,} reports earlier runs left open")
    return {"walls": wall_tokens, "phones": phone_specs, "reporter": reporter_token,
            "probe": probe_token, "pool": pool, "grids": len(grids)}


# -- the server's processes ----------------------------------------------------------------------

def _stat(pid: int):
    """(ppid, session, utime+stime seconds, start time) of a process, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[3]), (int(fields[11]) + int(fields[12])) / TICK, int(fields[19])


def server_processes(root: int) -> dict[int, str]:
    """pid → what it is, for the `flask serve` process and every process descended from it or
    in its session (a daemonised nginx leaves the tree, not always the session)."""
    children: dict[int, list[int]] = {}
    session: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None:
            continue
        children.setdefault(stat[0], []).append(int(entry.name))
        if stat[1] == root:
            session.add(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return {pid: _label(pid) for pid in found | session if _stat(pid) is not None}


def _label(pid: int) -> str:
    """nginx, gunicorn, uvicorn…, or `flask <command>` for a flask command of the app."""
    try:
        parts = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    line = " ".join(parts)
    for name in ("nginx", "uvicorn", "gunicorn", "hypercorn", "granian", "daphne"):
        if name in line:
            return name
    for k, part in enumerate(parts):
        if part.endswith("flask"):
            words = [w for j, w in enumerate(parts[k + 1:]) if w and not w.startswith("-")
                     and not (j > 0 and parts[k + j] in ("--app", "-A"))]
            return "flask " + (words[0] if words else "")
    return parts[0].rsplit("/", 1)[-1] or "?"


class Postgres:
    """The PostgreSQL processes working for this benchmark: the backends connected to its
    database and the cluster's own (writer, checkpointer, WAL…), not those of other databases
    on the same embedded cluster (the tests', the demo's)."""

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)

    def _ask(self, sql: str) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql)).scalars())

    def pids(self) -> list[int]:
        return self._ask("""SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()
                            AND (datname = current_database() OR backend_type <> 'client backend')""")

    def connections(self) -> int:
        return len(self._ask("""SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()
                                AND datname = current_database() AND backend_type = 'client backend'"""))


class Cpu:
    """CPU seconds of a set of processes between two moments, per pid: a process that
    started in between counts whole, one that ended in between is lost (said in `gone`)."""

    def __init__(self, pids):
        self.pids = pids
        self.before = self._read()
        self.started = time.perf_counter()

    def _read(self) -> dict[tuple[int, int], float]:
        read = {}
        for pid in self.pids():
            stat = _stat(pid)
            if stat is not None:
                read[(pid, stat[3])] = stat[2]
        return read

    def used(self) -> dict:
        after = self._read()
        seconds = sum(v - self.before.get(k, 0.0) for k, v in after.items())
        by: dict[str, float] = {}          # where it went: nginx, gunicorn, flask serve-streams…
        for key, value in after.items():
            label = _label(key[0])
            by[label] = round(by.get(label, 0.0) + value - self.before.get(key, 0.0), 3)
        return {"cpu_s": round(seconds, 3), "wall_s": round(time.perf_counter() - self.started, 3),
                "gone": len(set(self.before) - set(after)), "by": by}


def memory_kb(pids) -> dict[str, int]:
    total = {"pss": 0, "rss": 0}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total["pss"] += int(line.split()[1])
                elif line.startswith("Rss:"):
                    total["rss"] += int(line.split()[1])
        except OSError:
            pass
    return total


def machine_busy() -> float:
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (sum(map(int, cpu)) - int(cpu[3]) - int(cpu[4])) / TICK


# -- the stream clients: one process, asyncio --------------------------------------------------

class Stream(asyncio.Protocol):
    """One SSE client: reads the status line and headers, then the body (de-chunked when
    chunked) line by line. Of each incident event it keeps, per phase, when the report's
    event arrived; a phone checks every incident event against its grid and worker."""

    def __init__(self, client: "Client", kind: str, grid: str | None, worker: int | None, request: bytes):
        self.client, self.kind, self.grid, self.worker, self.request = client, kind, grid, worker, request
        self.opened = client.loop.create_future()      # 'hello', a status, or 'closed'
        self.status: int | None = None
        self.head = b""
        self.chunked = False
        self.cbuf = b""
        self.remaining = 0
        self.skip = 0
        self.sbuf = b""
        self.seen: dict[str, float] = {}
        self.duplicates = 0
        self.resyncs = 0
        self.events = 0
        self.closed = False
        self.answered_at: float | None = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_result("closed")

    def data_received(self, data: bytes):
        now = time.perf_counter()
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > 65536:
                    self.transport.close()
                return
            head, data = self.head[:end], self.head[end + 4:]
            self.head = b""
            try:
                self.status = int(head.split(b" ", 2)[1])
            except (IndexError, ValueError):
                self.status = -1
            if self.status != 200:
                if not self.opened.done():
                    self.opened.set_result(self.status)
                self.transport.close()
                return
            self.chunked = b"transfer-encoding: chunked" in head.lower()
        if self.chunked:
            data = self._dechunk(data)
        if data:
            self._lines(data, now)

    def _dechunk(self, data: bytes) -> bytes:
        buf = self.cbuf + data if self.cbuf else data
        self.cbuf = b""
        out, pos, n = [], 0, len(buf)
        while pos < n:
            if self.remaining:
                take = min(self.remaining, n - pos)
                out.append(buf[pos:pos + take])
                pos += take
                self.remaining -= take
                if not self.remaining:
                    self.skip = 2
                continue
            if self.skip:
                step = min(self.skip, n - pos)
                pos += step
                self.skip -= step
                continue
            end = buf.find(b"\r\n", pos)
            if end < 0:
                self.cbuf = buf[pos:]
                break
            try:
                size = int(buf[pos:end].split(b";", 1)[0], 16)
            except ValueError:
                size = 0
            pos = end + 2
            if size == 0:           # the last chunk: the body ends
                break
            self.remaining = size
        return b"".join(out)

    def _lines(self, data: bytes, now: float):
        if self.sbuf:
            data = self.sbuf + data
        lines = data.split(b"\n")
        self.sbuf = lines.pop()
        client = self.client
        for line in lines:
            if line.startswith(b"data:"):
                info = client.parsed(line)
                if info:
                    self.events += 1
                    action, code, grid, assignee, taken_from = info
                    if action == "report":
                        if code in self.seen:
                            self.duplicates += 1
                        else:
                            self.seen[code] = now
                    if self.kind == "phone" and grid != self.grid and self.worker not in (assignee, taken_from):
                        client.unexpected(self, line)
            elif line.startswith(b"event:"):
                kind = line[6:].strip()
                if kind == b"hello":
                    if self.answered_at is None:
                        self.answered_at = now
                    if not self.opened.done():
                        self.opened.set_result("hello")
                elif kind == b"resync":
                    self.resyncs += 1


class Client:
    """The stream clients' process: commands come over a pipe, the streams live in the loop."""

    def __init__(self, loop, host: str, port: int):
        self.loop, self.host, self.port = loop, host, port
        self.streams: list[Stream] = []
        self.answered: list[Stream] = []
        self.cache: dict[bytes, tuple | bool] = {}
        self.unexpected_count = 0
        self.unexpected_examples: list[str] = []

    def parsed(self, line: bytes):
        info = self.cache.get(line)
        if info is None:
            try:
                event = json.loads(line[5:])
            except ValueError:
                event = None
            if isinstance(event, dict) and event.get("type") == "incident" and isinstance(event.get("incident"), dict):
                incident = event["incident"]
                info = (event.get("action"), incident.get("code"), incident.get("grid"),
                        incident.get("assignee_id"), event.get("taken_from"))
            else:
                info = False
            if len(self.cache) > 100_000:
                self.cache.clear()
            self.cache[line] = info
        return info

    def unexpected(self, stream: Stream, line: bytes):
        self.unexpected_count += 1
        if len(self.unexpected_examples) < 5:
            self.unexpected_examples.append(f"phone of grid {stream.grid} (worker {stream.worker}) got "
                                            f"{line[:300].decode(errors='replace')}")

    async def open(self, specs: list[tuple], concurrency: int, slot_seconds: float, timeout: float) -> dict:
        """Opens every stream: at most `concurrency` waiting for their answer at once, each
        holding its place at most `slot_seconds` (an unanswered one waits on without it),
        all given up at `timeout` (they stay connected: a browser would wait too)."""
        gate = asyncio.Semaphore(concurrency)
        started = time.perf_counter()
        deadline = started + timeout
        outcomes: dict[str, int] = {}

        async def one(kind, grid, worker, token):
            request = (f"GET /api/v1/stream HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                       f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
            box: dict = {}

            async def attempt():
                _, stream = await self.loop.create_connection(
                    lambda: Stream(self, kind, grid, worker, request), self.host, self.port)
                box["stream"] = stream
                self.streams.append(stream)
                return await asyncio.shield(stream.opened)

            async with gate:
                left = deadline - time.perf_counter()
                if left <= 0:
                    outcomes["not tried (time was up)"] = outcomes.get("not tried (time was up)", 0) + 1
                    return
                task = asyncio.ensure_future(attempt())
                await asyncio.wait({task}, timeout=min(slot_seconds, left))
            if not task.done():         # waits on, without its place
                await asyncio.wait({task}, timeout=max(0.0, deadline - time.perf_counter()))
            stream = box.get("stream")
            if not task.done():
                task.cancel()           # a connected stream stays open: only the waiting ends
                outcome = ("no TCP connection" if stream is None else
                           "200 without a hello" if stream.status == 200 else "no answer") + f" within {timeout:g} s"
            elif task.exception() is not None:
                outcome = f"connect failed: {type(task.exception()).__name__}"
            elif task.result() == "hello":
                outcome = "answered"
                self.answered.append(stream)
            elif task.result() == "closed":
                outcome = f"closed by the server{'' if stream.status is None else f' after {stream.status}'}"
            else:
                outcome = f"status {task.result()}"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        await asyncio.gather(*(one(*spec) for spec in specs))
        answered = sorted(s.answered_at - started for s in self.answered)
        return {"tried": len(specs), "answered": len(self.answered), "outcomes": outcomes,
                "walls_answered": sum(s.kind == "wall" for s in self.answered),
                "phones_answered": sum(s.kind == "phone" for s in self.answered),
                "seconds_to_last_answer": round(answered[-1], 2) if answered else None,
                "seconds_to_half": round(answered[len(answered) // 2], 2) if answered else None,
                "seconds_waited": round(time.perf_counter() - started, 2)}

    def mark(self) -> dict:
        for stream in self.streams:
            stream.seen = {}
            stream.duplicates = 0
        self.unexpected_count, self.unexpected_examples = 0, []
        return {"open": sum(not s.closed for s in self.answered)}

    def collect(self, reports: dict[str, tuple[float, str]]) -> dict:
        """Per report (code → sent, grid): the delay to every stream that may see it."""
        walls = [s for s in self.answered if s.kind == "wall"]
        by_grid: dict[str, list[Stream]] = {}
        for s in self.answered:
            if s.kind == "phone":
                by_grid.setdefault(s.grid, []).append(s)
        delays = {"wall": [], "phone": []}
        expected = {"wall": 0, "phone": 0}
        missing = {"wall": 0, "phone": 0}
        for code, (sent, grid) in reports.items():
            for stream in itertools.chain(walls, by_grid.get(grid, ())):
                expected[stream.kind] += 1
                arrived = stream.seen.get(code)
                if arrived is None:
                    missing[stream.kind] += 1
                else:
                    delays[stream.kind].append((arrived - sent) * 1000)
        stray = sum(1 for s in self.answered for code in s.seen if code not in reports)
        every = delays["wall"] + delays["phone"]

        def summary(values):
            if not values:
                return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
            values.sort()
            return {"n": len(values), "p50_ms": round(_pick(values, 50), 1),
                    "p99_ms": round(_pick(values, 99), 1), "max_ms": round(values[-1], 1)}
        return {"all": summary(every), "phones": summary(delays["phone"]), "walls": summary(delays["wall"]),
                "expected": expected["wall"] + expected["phone"], "expected_walls": expected["wall"],
                "expected_phones": expected["phone"], "missing": missing["wall"] + missing["phone"],
                "missing_walls": missing["wall"], "missing_phones": missing["phone"],
                "unexpected": self.unexpected_count, "unexpected_examples": self.unexpected_examples,
                "duplicates": sum(s.duplicates for s in self.answered), "stray": stray,
                "resyncs": sum(s.resyncs for s in self.answered),
                "answered_streams_closed": sum(s.closed for s in self.answered),
                "late_answered": sum(1 for s in self.streams if s.answered_at is not None) - len(self.answered)}

    def close(self) -> None:
        for stream in self.streams:
            if stream.transport is not None:
                stream.transport.abort()


def _pick(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def client_process(pipe, host: str, port: int) -> None:
    try:
        import uvloop
        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio"
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def serve_commands():
        loop = asyncio.get_running_loop()
        client = Client(loop, host, port)
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            name, arguments_ = command[0], command[1:]
            try:
                if name == "open":
                    answer = await client.open(*arguments_)
                    answer["loop"] = loop_name
                elif name == "mark":
                    answer = client.mark()
                elif name == "collect":
                    answer = client.collect(*arguments_)
                elif name == "close":
                    client.close()
                    await asyncio.sleep(0.2)
                    pipe.send(True)
                    return
                else:
                    answer = f"unknown command {name}"
            except Exception as error:       # told to the parent, not lost in a child
                answer = f"stream client failed: {type(error).__name__}: {error}"
            pipe.send(answer)

    asyncio.run(serve_commands())


class Clients:
    """The parent's handle on the client process."""

    def __init__(self, host: str, port: int):
        context = multiprocessing.get_context("fork")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=client_process, args=(child, host, port), daemon=True)
        self.process.start()

    def ask(self, *command):
        self.pipe.send(command)
        answer = self.pipe.recv()
        if isinstance(answer, str):
            raise SystemExit(answer)
        return answer

    def close(self):
        try:
            self.ask("close")
        except (OSError, EOFError, SystemExit):
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# -- plain requests: the probe in a process of its own -----------------------------------------

PROBE = r"""
import http.client, json, socket, sys, time
port, token, seconds, pace, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
times, errors, timed_out, first_error = [], 0, False, None
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=timeout)
start = time.perf_counter()
i = 0
while time.perf_counter() - start < seconds:
    due = start + i / pace
    i += 1
    pause = due - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    t = time.perf_counter()
    try:
        conn.request("GET", "/api/v1/categories", headers={"Authorization": "Bearer " + token})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors += 1
            first_error = first_error or f"status {response.status}"
        else:
            times.append((time.perf_counter() - t) * 1000)
        if (response.getheader("Connection") or "").lower() == "close":
            conn.close()
    except (socket.timeout, TimeoutError):
        timed_out = True
        first_error = first_error or f"no answer in {timeout:g} s"
        break
    except (OSError, http.client.HTTPException) as error:
        errors += 1
        first_error = first_error or f"{type(error).__name__}: {error}"
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=timeout)
times.sort()
pick = lambda p: times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))] if times else None
print(json.dumps({"n": len(times), "p50_ms": pick(50), "p99_ms": pick(99), "errors": errors,
                  "timed_out": timed_out, "first_error": first_error}))
"""


def probe_start(port: int, token: str, seconds: float, pace: float, timeout: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PROBE, str(port), token, str(seconds), str(pace), str(timeout)],
                            stdout=subprocess.PIPE, text=True)


def probe_result(process: subprocess.Popen, limit: float) -> dict:
    try:
        out, _ = process.communicate(timeout=limit)
        return json.loads(out)
    except (subprocess.TimeoutExpired, ValueError) as error:
        process.kill()
        process.communicate()
        return {"n": 0, "p50_ms": None, "p99_ms": None, "errors": 0, "timed_out": True,
                "first_error": f"probe failed: {type(error).__name__}"}


# -- the reports --------------------------------------------------------------------------------

class Stalled(Exception):
    pass


class Poster:
    """A keep-alive connection posting reports, reading answers with the least work (as in
    bench/incidents.py), and connecting again when the server closed it between requests
    (gunicorn's keep-alive timeout, nginx's keepalive_requests)."""

    def __init__(self, port: int, token: str, timeout: float, idempotency: bool):
        self.port, self.timeout, self.idempotency = port, timeout, idempotency
        self.head = (f"POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n").encode()
        self.sock = None
        self.buffer = b""

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def post(self, report: dict) -> tuple[float, int, bytes]:
        """(when the request was sent, status, body); Stalled when no answer came in time."""
        body = json.dumps({k: v for k, v in report.items() if not k.startswith("_")}).encode()
        key = f"Idempotency-Key: {uuid.uuid4().hex}\r\n".encode() if self.idempotency else b""
        request = self.head + key + b"Content-Length: %d\r\n\r\n" % len(body) + body
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self._connect()
                sent = time.perf_counter()
                self.sock.sendall(request)
                status, head, answer = self._answer()
                if b"\r\nconnection: close" in head.lower():
                    self.close()
                return sent, status, answer
            except (socket.timeout, TimeoutError):
                self.close()
                raise Stalled(f"no answer to a POST in {self.timeout:g} s") from None
            except OSError as error:
                self.close()        # closed while idle: once more on a new connection
                if attempt == 2:
                    raise Stalled(f"POST failed: {type(error).__name__}: {error}") from None
        raise AssertionError

    def _answer(self) -> tuple[int, bytes, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        chunked = False
        for line in lines[1:]:
            name = line[:18].lower()
            if name.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            elif name.startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                while b"\r\n" not in self.buffer:
                    self._read()
                size_line, _, self.buffer = self.buffer.partition(b"\r\n")
                size = int(size_line.split(b";", 1)[0], 16)
                while len(self.buffer) < size + 2:
                    self._read()
                body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
                if size == 0:
                    break
            return status, head, body
        length = length or 0
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, head, body

    def _read(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += data


def post_reports(port: int, token: str, pool: list[dict], connections: int, seconds: float,
                 rate: float | None, timeout: float, idempotency: bool) -> dict:
    """Posts reports for `seconds`: at `rate` per second when given (each sent when due, from
    whichever connection is free), else as fast as each connection is answered. Stops at
    the first POST left without an answer for `timeout` s."""
    made: dict[str, tuple[float, str]] = {}
    errors: list[str] = []
    statuses: dict[int, int] = {}
    lateness: list[float] = []
    stalled: list[str] = []
    counter = itertools.count()
    lock = threading.Lock()
    start = time.perf_counter() + 0.05
    end = start + seconds
    total = int(rate * seconds) if rate else None

    def work():
        poster = Poster(port, token, timeout, idempotency)
        try:
            while not stalled:
                i = next(counter)
                if total is not None:
                    if i >= total:
                        return
                    due = start + i / rate
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                elif time.perf_counter() >= end:
                    return
                if stalled:
                    return
                report = pool[i % len(pool)]
                try:
                    sent, status, body = poster.post(report)
                except Stalled as error:
                    with lock:
                        stalled.append(str(error))
                    return
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if total is not None:
                        lateness.append(sent - (start + i / rate))
                    if status in (200, 201):
                        properties = json.loads(body)["properties"]
                        made[properties["code"]] = (sent, properties.get("grid") or report["_grid"])
                    else:
                        errors.append(f"{status} {body[:300]!r}")
        finally:
            poster.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 2 * timeout + 30)
    elapsed = max(time.perf_counter() - start, 1e-6)
    lateness.sort()
    return {"made": made, "reports": len(made), "errors": len(errors),
            "first_error": errors[0] if errors else None, "statuses": statuses,
            "stalled": stalled[0] if stalled else None, "seconds": round(elapsed, 2),
            "per_second": round(len(made) / (seconds if rate and not stalled else elapsed), 1),
            "sent_late_p99_ms": round(_pick(lateness, 99) * 1000, 1) if lateness else None}


# -- the run ------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=10_000, help="streams to open (walls included)")
    parser.add_argument("--walls", type=int, default=100, help="of them, operators seeing the whole city")
    parser.add_argument("--rates", default="50,200", help="reports per second, one phase each")
    parser.add_argument("--seconds", type=float, default=10.0, help="of each rate")
    parser.add_argument("--rate-connections", type=int, default=32,
                        help="keep-alive connections the paced reports are sent from")
    parser.add_argument("--posters", type=int, default=16, help="connections of the intake phase")
    parser.add_argument("--intake-seconds", type=float, default=5.0)
    parser.add_argument("--intake-warmup", type=float, default=1.0)
    parser.add_argument("--drain", type=float, default=3.0,
                        help="seconds after a phase's last report before missing deliveries are counted")
    parser.add_argument("--open-timeout", type=float, default=60.0,
                        help="streams not answered (200 and hello) by then count as never answered")
    parser.add_argument("--open-concurrency", type=int, default=1000,
                        help="streams waiting for their answer at once while opening")
    parser.add_argument("--open-slot", type=float, default=2.0,
                        help="seconds a stream keeps its place among those; unanswered, it waits on without it")
    parser.add_argument("--idle-seconds", type=float, default=3.0,
                        help="of the server's CPU measured with every stream open and nothing happening")
    parser.add_argument("--get-seconds", type=float, default=5.0, help="of GET probing, with no or idle streams")
    parser.add_argument("--get-pace", type=float, default=20.0, help="GETs per second, one after another")
    parser.add_argument("--get-timeout", type=float, default=15.0)
    parser.add_argument("--post-timeout", type=float, default=15.0)
    parser.add_argument("--no-idempotency-key", dest="idempotency", action="store_false",
                        help="post without an Idempotency-Key (the phone's outbox sends one)")
    parser.add_argument("--serve-args", default="", help="more arguments for `flask serve`, e.g. '--workers 2'")
    parser.add_argument("--label", default="", help="what is measured, for the table's title (e.g. 'before')")
    args = arguments(parser, SMOKE)
    rates = [float(r) for r in str(args.rates).split(",") if r.strip()]
    walls = min(args.walls, args.streams)
    phones = args.streams - walls

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.streams + 500 > resource.getrlimit(resource.RLIMIT_NOFILE)[0]:
        log(f"warning: ulimit -n {resource.getrlimit(resource.RLIMIT_NOFILE)[0]} is short of "
            f"{args.streams} streams (one descriptor each)")

    url = city_url(args.scale)
    setup_started = time.perf_counter()
    city = prepare(url, walls, phones)
    setup_s = time.perf_counter() - setup_started
    port = free_port()
    clients = Clients("127.0.0.1", port)      # forked before any thread of ours starts
    env = {"DATABASE_URL": url, "GRIDMAP_TICK_SECONDS": "0", "FLASK_APP": "app",
           "GRIDMAP_PUBLIC_RATE": "1000000/minute",
           # the server imports this checkout's app (the bench's own ROOT), not whatever the
           # virtualenv's editable install points at
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port),
               "--no-simulate", *args.serve_args.split()]
    r: dict = {"args": vars(args), "command": " ".join(command[1:]), "cpus": os.cpu_count(),
               "setup_s": round(setup_s, 2), "grids": city["grids"], "walls": walls, "phones": phones,
               "started": datetime.now().isoformat(timespec="seconds")}
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "app"],
                               capture_output=True, text=True).stdout.strip()
        r["git"] = (head + (" + changes in app/" if dirty else "")) if head else "not a git checkout"
    except OSError:
        r["git"] = "not a git checkout"
    seen_pids: dict[int, int] = {}

    with serve("gridmap-streams", command, env, port, "/healthz") as _:
        root = _serve_pid(port)
        server = lambda: list(server_processes(root))           # noqa: E731
        postgres = Postgres(url)
        pg = postgres.pids

        def remember():
            for pid in server():
                stat = _stat(pid)
                if stat:
                    seen_pids[pid] = stat[3]

        try:
            remember()
            log("GET with no stream open …")
            r["get_no_streams"] = probe_result(probe_start(port, city["probe"], args.get_seconds, args.get_pace,
                                                           args.get_timeout), args.get_seconds + args.get_timeout + 30)
            time.sleep(0.5)
            processes = server_processes(root)
            r["server_processes"] = _census(processes)
            memory_before = memory_kb(processes)
            pg_before = postgres.connections()

            log(f"opening {args.streams:,} streams ({walls} walls, {phones:,} phones) …")
            cpu = Cpu(server)
            specs = [("wall", None, None, t) for t in city["walls"]] + \
                    [("phone", grid, worker, token) for grid, worker, token in city["phones"]]
            r["open"] = clients.ask("open", specs, args.open_concurrency, args.open_slot, args.open_timeout)
            r["open"]["server_cpu_s"] = cpu.used()["cpu_s"]
            log(f"  {r['open']['answered']:,} answered; {r['open']['outcomes']}")
            time.sleep(min(2.0, args.idle_seconds))          # the openings' last work
            cpu = Cpu(server)
            time.sleep(args.idle_seconds)
            idle = cpu.used()
            r["idle_server_cores"] = round(idle["cpu_s"] / idle["wall_s"], 3)
            remember()
            processes = server_processes(root)
            r["server_processes_open"] = _census(processes)
            memory_after = memory_kb(processes)
            answered = r["open"]["answered"] or None      # no stream: no figure per stream
            r["memory"] = {"pss_before_kb": memory_before["pss"], "pss_after_kb": memory_after["pss"],
                           "rss_before_kb": memory_before["rss"], "rss_after_kb": memory_after["rss"],
                           "pss_kb_per_stream": answered and round((memory_after["pss"] - memory_before["pss"]) / answered, 2),
                           "rss_kb_per_stream": answered and round((memory_after["rss"] - memory_before["rss"]) / answered, 2),
                           "postgres_connections": [pg_before, postgres.connections()]}

            log("GET with every stream open and idle …")
            r["get_idle_streams"] = probe_result(probe_start(port, city["probe"], args.get_seconds, args.get_pace,
                                                             args.get_timeout), args.get_seconds + args.get_timeout + 30)

            r["rates"] = []
            for rate in rates:
                log(f"{rate:g} reports/s for {args.seconds:g} s …")
                r["rates"].append(phase(clients, port, city, args, rate, args.seconds, args.rate_connections,
                                        server, pg, probe=True))
                remember()
            log(f"intake: {args.posters} posters for {args.intake_seconds:g} s "
                f"(after {args.intake_warmup:g} s not counted) …")
            if args.intake_warmup > 0:
                post_reports(port, city["reporter"], city["pool"], args.posters, args.intake_warmup, None,
                             args.post_timeout, args.idempotency)
                time.sleep(min(args.drain, 1.0))     # its events, before the phase that counts
            r["intake"] = phase(clients, port, city, args, None, args.intake_seconds, args.posters, server, pg,
                                probe=False)
            remember()
            r["memory"]["pss_end_kb"] = memory_kb(server_processes(root))["pss"]
        finally:
            clients.close()
            postgres.engine.dispose()
    _stop_leftovers(seen_pids)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    WORK.mkdir(exist_ok=True)
    path = WORK / f"streams-{stamp}.json"
    path.write_text(json.dumps(r, indent=2, default=str))
    print(report(r, args, path))


def _serve_pid(port: int) -> int:
    """The `flask serve` process common.serve started (its own session leader)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = Path(entry, "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmdline and b"--port" in cmdline and str(port).encode() in cmdline \
                    and any(part.endswith(b"flask") for part in cmdline[:3]):
                return int(entry.name)
    raise SystemExit("could not find the `flask serve` process")


def _census(processes: dict[int, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in processes.values():
        counts[name] = counts.get(name, 0) + 1
    return counts


def _stop_leftovers(seen: dict[int, int]) -> None:
    """Server processes that outlived `flask serve` (an nginx that daemonised itself, a worker
    slow to go): ours, known by pid and start time. Given 10 s to end, then stopped."""
    def alive() -> list[int]:
        found = []
        for pid, started in seen.items():
            stat = _stat(pid)
            try:
                zombie = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
            except OSError:
                zombie = True
            if stat is not None and stat[3] == started and not zombie:
                found.append(pid)
        return found

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = alive()
        for pid in left:
            log(f"{sig.name} to a server process that outlived flask serve: {pid} ({_label(pid)})")
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while left and alive() and time.monotonic() < deadline:
            time.sleep(0.2)


def phase(clients: Clients, port: int, city: dict, args, rate: float | None, seconds: float,
          connections: int, server, pg, probe: bool) -> dict:
    clients.ask("mark")
    me = os.getpid()
    cpu_server, cpu_pg = Cpu(server), Cpu(pg)
    cpu_client = Cpu(lambda: [me, clients.process.pid])
    busy = machine_busy()
    getter = probe_start(port, city["probe"], seconds, args.get_pace, args.get_timeout) if probe else None
    posted = post_reports(port, city["reporter"], city["pool"], connections, seconds, rate,
                          args.post_timeout, args.idempotency)
    used = {"server": cpu_server.used(), "postgres": cpu_pg.used(), "client": cpu_client.used()}
    busy = machine_busy() - busy
    get = probe_result(getter, args.get_timeout + 30) if getter else None
    time.sleep(args.drain)      # the last events in flight
    made = posted.pop("made")
    deliveries = clients.ask("collect", made)
    n = len(made)
    elapsed = used["server"]["wall_s"]
    return {"rate": rate, "posted": posted, "deliveries": deliveries, "get": get,
            "cpu": used, "server_cpu_s_per_1k_reports": round(used["server"]["cpu_s"] * 1000 / n, 2) if n else None,
            "postgres_cpu_s_per_1k_reports": round(used["postgres"]["cpu_s"] * 1000 / n, 2) if n else None,
            "server_cores": round(used["server"]["cpu_s"] / elapsed, 2),
            "client_cores": round(used["client"]["cpu_s"] / elapsed, 2),
            "machine_cores_busy": round(busy / elapsed, 2)}


# -- the report ----------------------------------------------------------------------------------

def _ms(value) -> str:
    return "–" if value is None else f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _s(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _get(probe: dict | None, none: dict | None = None) -> str:
    if probe is None:
        return "–"
    if probe.get("timed_out") and not probe.get("n"):
        return f"TIMED OUT ({probe.get('first_error')})"
    text_ = f"{_ms(probe['p50_ms'])} ms"
    if none and none.get("p50_ms") and probe.get("p50_ms"):
        text_ += f" (×{probe['p50_ms'] / none['p50_ms']:.2f})"
    if probe.get("timed_out"):
        text_ += f", then TIMED OUT after {probe['n']} ({probe.get('first_error')})"
    elif probe.get("errors"):
        text_ += f", {probe['errors']} errors ({probe.get('first_error')})"
    return text_


def _pair(summary: dict) -> str:
    return "–" if not summary["n"] else f"{_ms(summary['p50_ms'])} / {_ms(summary['p99_ms'])}"


def report(r: dict, args, path: Path) -> str:
    o, m = r["open"], r["memory"]
    none = r["get_no_streams"]
    census = ", ".join(f"{name} {count}" for name, count in sorted(r["server_processes_open"].items()))
    outcomes = "; ".join(f"{count:,} {what}" for what, count in sorted(o["outcomes"].items(), key=lambda x: -x[1]))
    lines = [
        "",
        f"## Issue 23: {args.streams:,} open streams{' — ' + args.label if args.label else ''} — "
        f"`{r['command']}` (git {r['git']}), "
        f"scale-{args.scale} city ({r['grids']} grids), {r['cpus']} CPUs, client loop {o.get('loop')}",
        "",
        f"Streams: {r['walls']} walls (operators, scope the whole city) + {r['phones']:,} phones (grid workers, "
        f"scope their grid; the ≈{r['phones'] / max(r['grids'], 1):.0f} phones of a grid share its worker's "
        f"account, each with its own token). Server processes (descendants of flask serve): {census}. "
        f"Reports {'with' if args.idempotency else 'without'} Idempotency-Key. "
        "Shared 2-core machine, client on the same cores: read ratios, not absolutes.",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| streams answered (200 + hello) | {o['answered']:,} / {o['tried']:,} ({o['walls_answered']} walls, "
        f"{o['phones_answered']:,} phones) |",
        f"| outcomes of opening | {outcomes} |",
        f"| opening: until the last answer | {_ms(o['seconds_to_last_answer'])} s (half by "
        f"{_ms(o['seconds_to_half'])} s; waited {o['seconds_waited']:g} s); server CPU {o['server_cpu_s']:.1f} s |",
        f"| server memory per open stream (PSS) | {_ms(m['pss_kb_per_stream'])} kB (PSS {m['pss_before_kb'] / 1024:,.0f} → "
        f"{m['pss_after_kb'] / 1024:,.0f} MB; RSS {_ms(m['rss_kb_per_stream'])} kB/stream) |",
        f"| PostgreSQL connections to the bench database (idle ones in pools included) | {m['postgres_connections'][0]} before the streams, "
        f"{m['postgres_connections'][1]} with them open |",
        f"| server CPU with every stream open, idle | {r['idle_server_cores']:.2f} cores |",
        f"| GET /api/v1/categories p50, no stream open | {_get(none)} |",
        f"| GET /api/v1/categories p50, streams open, idle | {_get(r['get_idle_streams'], none)} |",
        "",
        "| reports/s asked → made | report → event p50 / p99 ms: all | phones | walls | deliveries expected | "
        "missing | unexpected (privacy) | server CPU s / 1k reports | PostgreSQL CPU s / 1k | GET p50 during (×none) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in r["rates"] + [r["intake"]]:
        d, posted = p["deliveries"], p["posted"]
        asked = f"{p['rate']:g}" if p["rate"] else f"intake, {args.posters} posters"
        made = f"{posted['per_second']:,.0f}"
        if posted["stalled"]:
            made += f" (STALLED: {posted['stalled']})"
        elif posted["errors"]:
            made += f" ({posted['errors']} errors: {posted['first_error']})"
        lines.append(
            f"| {asked} → {made} | {_pair(d['all'])} | {_pair(d['phones'])} | {_pair(d['walls'])} | "
            f"{d['expected']:,} | {d['missing']:,} | {d['unexpected']} | {_s(p['server_cpu_s_per_1k_reports'])} | "
            f"{_s(p['postgres_cpu_s_per_1k_reports'])} | {_get(p['get'], none)} |")
    lines += ["", "Server CPU s per 1,000 reports, by process: " + "; ".join(
        (f"{p['rate']:g}/s" if p["rate"] else "intake") + ": " + ", ".join(
            f"{name} {seconds * 1000 / max(len(p['deliveries']) and p['posted']['reports'], 1):.2f}"
            for name, seconds in sorted(p["cpu"]["server"].get("by", {}).items(), key=lambda x: -x[1]))
        for p in r["rates"] + [r["intake"]])]
    intake = r["intake"]["posted"]
    lines += [
        "",
        f"Intake with {o['answered']:,} streams open: {intake['per_second']:,.0f} reports/s "
        f"({intake['reports']:,} in {intake['seconds']:g} s, {intake['errors']} errors"
        f"{', stalled' if intake['stalled'] else ''})      goal ≥ 200/s",
    ]
    for p in r["rates"] + [r["intake"]]:
        d = p["deliveries"]
        notes = []
        late = p["posted"].get("sent_late_p99_ms")
        if late and late > 100:
            notes.append(f"reports sent behind their schedule (p99 {late:,.0f} ms late: no connection free)")
        if d["answered_streams_closed"]:
            notes.append(f"{d['answered_streams_closed']:,} answered streams closed by now")
        if d["resyncs"]:
            notes.append(f"{d['resyncs']} resyncs")
        if d["duplicates"]:
            notes.append(f"{d['duplicates']} duplicate deliveries")
        if d["stray"]:
            notes.append(f"{d['stray']} events of an earlier phase")
        if d["late_answered"]:
            notes.append(f"{d['late_answered']:,} streams answered after the opening's deadline (not counted)")
        if d["unexpected_examples"]:
            notes.append("PRIVACY: " + " | ".join(d["unexpected_examples"][:2]))
        cores = f"server {p['server_cores']:.2f}, client {p['client_cores']:.2f}, machine {p['machine_cores_busy']:.2f} cores busy"
        lines.append(f"  {p['rate'] or 'intake'}: {cores}" + ("; " + "; ".join(notes) if notes else ""))
    lines.append(f"\n(JSON: {path})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
