"""Incident loop benchmark: report → live event latency with open SSE clients, sustained
report intake, and whether hundreds of open streams slow other requests.

    make bench-incidents     (or: .venv/bin/python bench/incidents.py)

On the scale-10 synthetic city (the same database as bench/layers.py), Gridmap runs as a
city runs it, `flask serve`: nginx in front of gunicorn (gthread, 2 processes × 32 threads) and
the event-loop server that holds the live streams.

1. latency: --streams (100) SSE clients stay open; --reports (1,000) reports are sent one
   after another at --pace per second; for every report and every client, the time from
   sending the POST to that client reading the report's event. p50/p99 over all pairs.
2. intake: --posters (16) connections post reports as fast as they are answered for
   --seconds, after --warmup seconds of the same that are not counted; reports/s, with the
   streams still open and every event checked to arrive, and the CPU each report cost.
   Measured in --rounds (3) rounds: the shared machine's speed drifts by a tenth and more
   between minutes, so the median round is the figure and every round is shown.
3. other requests: p50 of GET /api/v1/categories with no stream open and with --many
   (300) streams open; the ratio shows whether streams block the rest.
Goals (issue 5): p99 < 500 ms, ≥ 200 reports/s on a 2-core machine. `--smoke`: the scale-1
city, a handful of streams and reports, one round of a second.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (ROOT, WORK, Streams, arguments, city_url, cpu_seconds, flask_serve, free_port, log,  # noqa: E402
                    operator_token, percentile, serve)
from sqlalchemy import create_engine, text  # noqa: E402


SMOKE = {"streams": 5, "reports": 20, "pace": 20.0, "posters": 2, "seconds": 1.0, "rounds": 1,
         "warmup": 0.5, "many": 10, "threads": 32}


def close_earlier_reports(url: str) -> int:
    """Closes what earlier runs of this benchmark reported and left open. They never go
    through the loop, so after a day of runs 300,000 of them stood open at the same building
    points, and each new report's duplicate search met hundreds in its 50 m: a city at a
    state no city reaches, growing run by run. Closed in one statement, without the per-row
    audit, like a bulk load; returns how many."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('gridmap.audit', 'off', true)"))
        closed = conn.execute(text("""
            UPDATE incident SET status = 'closed', closed_at = now(), version = version + 1
            WHERE reported_by = 'user:bench_operator' AND status <> 'closed'""")).rowcount
    engine.dispose()
    return closed


def reports_pool(url: str, n: int, seed: int = 5) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        points = conn.execute(text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                                   "FROM building ORDER BY id")).all()
        categories = conn.execute(text("SELECT code FROM category ORDER BY code")).scalars().all()
    engine.dispose()
    rng = random.Random(seed)
    return [{"category": rng.choice(categories), "point": list(rng.choice(points)),
             "description": f"bench report {i}"} for i in range(n)]


class Poster:
    """A keep-alive connection that posts prepared requests and reads the answers with the
    least work a client can do: http.client's header parsing cost the client more CPU per
    report than some of the server's steps, on the same two cores."""

    def __init__(self, port: int, token: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.head = (f"POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n").encode()
        self.buffer = b""

    def request(self, body: dict) -> bytes:
        data = json.dumps(body).encode()
        return self.head + b"Content-Length: %d\r\n\r\n" % len(data) + data

    def post(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in lines[1:]
                      if line[:15].lower() == b"content-length:")
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split(b" ", 2)[1]), body

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data


def latency_phase(port: int, token: str, streams: Streams, pool: list[dict], pace: float) -> dict:
    connection = Poster(port, token)
    sent: dict[str, float] = {}
    interval = 1 / pace
    for body in pool:
        request = connection.request(body)
        started = time.perf_counter()
        status, answer = connection.post(request)
        if status != 201:
            raise SystemExit(f"report refused: {status} {answer[:300]!r}")
        sent[json.loads(answer)["properties"]["code"]] = started
        time.sleep(max(0.0, interval - (time.perf_counter() - started)))
    time.sleep(2)     # the last events in flight
    delays, missing = [], 0
    for arrivals, _ in streams.take():
        seen = {}
        for arrived, line in arrivals:
            event = json.loads(line[6:])
            if event["action"] == "report":
                seen[event["incident"]["code"]] = arrived
        for code, started in sent.items():
            if code in seen:
                delays.append((seen[code] - started) * 1000)
            else:
                missing += 1
    return {"pairs": len(delays), "missing": missing, "p50_ms": percentile(delays, 50),
            "p99_ms": percentile(delays, 99), "max_ms": max(delays)}


def intake_phase(port: int, token: str, streams: Streams, pool: list[dict], posters: int,
                 seconds: float) -> dict:
    made: list[str] = []
    errors: list[str] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def poster(offset: int):
        connection = Poster(port, token)
        requests = [connection.request(body) for body in pool[offset::posters]]
        i = 0
        while time.perf_counter() < stop:
            status, body = connection.post(requests[i % len(requests)])
            i += 1
            with lock:
                (made.append(json.loads(body)["properties"]["code"]) if status == 201
                 else errors.append(f"{status} {body[:300]!r}"))

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(posters)]
    client = (os.getpid(), streams.process.pid)
    cpu_before = cpu_seconds(client)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = {k: v - cpu_before[k] for k, v in cpu_seconds(client).items()}
    # wait until the streams are quiet: each has read everything the server will send
    settled = time.perf_counter()
    while time.perf_counter() - settled < 30:
        before = streams.received()
        time.sleep(1)
        if streams.received() == before:
            break
    drained_s = time.perf_counter() - started - elapsed
    expected = set(made)
    delivered, resyncs = [], 0
    for arrivals, resynced in streams.take():
        resyncs += resynced
        codes = {json.loads(line[6:])["incident"]["code"] for _, line in arrivals}
        delivered.append(len(expected & codes))
    return {"reports": len(made), "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": elapsed, "per_second": len(made) / elapsed,
            "every_client_got_every_report": min(delivered) == len(expected),
            "fewest_delivered": min(delivered), "drained_after_s": drained_s, "resyncs": resyncs,
            "cpu_ms_per_report": {k: round(v * 1000 / max(len(made), 1), 2) for k, v in cpu.items()},
            "cores_busy": round(cpu["machine_busy"] / elapsed, 2)}


def get_p50(port: int, token: str, repeat: int = 300) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.request("GET", "/api/v1/categories", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--pace", type=float, default=25.0, help="reports per second in the latency phase")
    parser.add_argument("--posters", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="of intake, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of intake first, not counted: every connection in the "
                             "pools open and its statements planned, as in a server that has run a while")
    parser.add_argument("--many", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32)
    args = arguments(parser, SMOKE)

    url = city_url(args.scale)
    token = operator_token(url)
    log(f"closed {close_earlier_reports(url):,} reports earlier runs left open")
    pool = reports_pool(url, max(args.reports, 5000))
    port = free_port()
    env = {"DATABASE_URL": url, "GRIDMAP_TICK_SECONDS": "0", "FLASK_APP": "app",
           "GRIDMAP_PUBLIC_RATE": "1000000/minute"}
    command = flask_serve(port, args.workers, args.threads)
    results = {}
    with serve("gridmap-incidents", command, env, port, "/healthz"):
        results["get_p50_no_streams_ms"] = get_p50(port, token)
        log(f"opening {args.streams} streams …")
        streams = Streams(port, token)
        streams.open(args.streams)
        try:
            log(f"latency: {args.reports} reports at {args.pace:g}/s …")
            results["latency"] = latency_phase(port, token, streams, pool[:args.reports], args.pace)
            log(f"warm-up: {args.posters} posters for {args.warmup:g} s …")
            intake_phase(port, token, streams, pool, args.posters, args.warmup)
            rounds = []
            for n in range(args.rounds):
                log(f"intake, round {n + 1} of {args.rounds}: {args.posters} posters for {args.seconds:g} s …")
                rounds.append(intake_phase(port, token, streams, pool, args.posters, args.seconds))
            results["intake_rounds"] = rounds
            results["intake"] = sorted(rounds, key=lambda r: r["per_second"])[len(rounds) // 2]
            log(f"opening {args.many - args.streams} more streams …")
            streams.open(args.many - args.streams)
            results["get_p50_many_streams_ms"] = get_p50(port, token)
        finally:
            streams.close()
    results["args"] = vars(args)
    WORK.mkdir(exist_ok=True)
    (WORK / "incidents.json").write_text(json.dumps(results, indent=2))
    print(report(results, args))


def report(r: dict, args) -> str:
    lat, intake, rounds = r["latency"], r["intake"], r["intake_rounds"]
    rates = ", ".join(f"{x['per_second']:.0f}" for x in rounds)
    errors = sum(x["errors"] for x in rounds)
    every = all(x["every_client_got_every_report"] for x in rounds)
    return "\n".join([
        "",
        f"Incident loop on the scale-{args.scale} city; flask serve (nginx, gunicorn gthread "
        f"{args.workers}×{args.threads}, the stream server); "
        f"{os.cpu_count()} CPUs",
        f"  report → event, {args.streams} open streams, {args.reports} reports at {args.pace:g}/s:",
        f"    p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms, max {lat['max_ms']:.0f} ms "
        f"over {lat['pairs']:,} report×client pairs ({lat['missing']} missing)      goal p99 < 500 ms",
        f"  sustained intake, {args.posters} posters, {args.streams} streams open: "
        f"{intake['per_second']:.0f} reports/s, the median of {len(rounds)} rounds of "
        f"{args.seconds:g} s (rounds: {rates}; {errors} errors; every client got every report: "
        f"{every})      goal ≥ 200/s",
        f"    in the median round:",
        f"      CPU per report: server {intake['cpu_ms_per_report']['server']:.1f} ms (gunicorn "
        f"{intake['cpu_ms_per_report']['gunicorn']:.1f}, stream server {intake['cpu_ms_per_report']['streams']:.1f}, "
        f"nginx {intake['cpu_ms_per_report']['nginx']:.1f}), PostgreSQL "
        f"{intake['cpu_ms_per_report']['postgres']:.1f} ms, this client "
        f"{intake['cpu_ms_per_report']['client']:.1f} ms, whole machine "
        f"{intake['cpu_ms_per_report']['machine_busy']:.1f} ms; {intake['cores_busy']:.2f} of "
        f"{os.cpu_count()} cores busy",
        # every open stream is a whole-city wall: all the stream server does for a report is
        # fanning its event out (an upper bound: reading it from the database is in it too)
        f"      live fan-out: the stream server's CPU per event per 100 walls "
        f"{intake['cpu_ms_per_report']['streams'] * 100 / args.streams:.2f} ms      goal < 1 ms",
        f"  GET /api/v1/categories p50: {r['get_p50_no_streams_ms']:.1f} ms with no stream open, "
        f"{r['get_p50_many_streams_ms']:.1f} ms with {args.many} open "
        f"(ratio {r['get_p50_many_streams_ms'] / r['get_p50_no_streams_ms']:.2f})",
    ])


if __name__ == "__main__":
    main()
