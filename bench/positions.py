"""Position intake benchmark: sustained fixes per second through POST /api/v1/positions in
batches of 100, with the live stream running, against the same fixes written by one bare
multi-row INSERT from the same client (the database's own floor).

    make bench-positions     (or: .venv/bin/python bench/positions.py --seconds 20)

On the scale-10 synthetic city (bench/layers.py's database): --workers-count grid workers
walk their grids, a fix every 10 s each; --posters connections send batches of --batch fixes
as fast as they are answered, as an integration (one admin token naming the worker), while
--streams operators hold the live stream open and receive every position event.
Goal (issue 9): ≥ 5,000 fixes/s on this 2-core machine. `--smoke`: the scale-1 city, 20
walkers, 2 posters for a second.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (ROOT, WORK, Streams, arguments, bench_token, city_url, cpu_seconds, flask_serve, free_port,  # noqa: E402
                    log, operator_token, serve)
import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app, db  # noqa: E402


SMOKE = {"workers_count": 20, "posters": 2, "seconds": 1.0, "warmup": 0.5, "streams": 2}


def admin_token(url: str) -> str:
    """An integration account (positions:write for every worker)."""
    return bench_token(url, "bench_integration", "admin")


def patrols(url: str, count: int, seed: int = 9) -> list[tuple[str, float, float]]:
    """(worker code, lon, lat) for grid workers, each starting inside their grid."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT w.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM worker w JOIN worker_assignment a ON a.worker_id = w.id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE w.role = 'full_time' ORDER BY w.code LIMIT :n"""), {"n": count}).all()
    engine.dispose()
    return [tuple(r) for r in rows]


class Walker:
    """One worker's fixes: 1.2 m/s in a random direction, turning now and then, every 10 s,
    starting from a time of its own so that no two runs collide on (worker, time)."""

    def __init__(self, code: str, lon: float, lat: float, start: datetime, rng: random.Random):
        self.code, self.lon, self.lat, self.at, self.rng = code, lon, lat, start, rng
        self.home = (lon, lat)
        self.heading = rng.uniform(0, 6.283)

    def batch(self, n: int) -> list[dict]:
        import math
        fixes = []
        for _ in range(n):
            dx = (self.home[0] - self.lon) * 111_320 * math.cos(math.radians(self.lat))
            dy = (self.home[1] - self.lat) * 111_320
            if math.hypot(dx, dy) > 150:          # back towards home: the patrol stays in its grid
                self.heading = math.atan2(dy, dx)
            elif self.rng.random() < 0.1:
                self.heading += self.rng.uniform(-1.5, 1.5)
            self.lon += 12 * math.cos(self.heading) / 111_320 / math.cos(math.radians(self.lat))
            self.lat += 12 * math.sin(self.heading) / 111_320
            self.at += timedelta(seconds=10)
            fixes.append({"time": self.at.isoformat(), "lon": round(self.lon, 7), "lat": round(self.lat, 7),
                          "accuracy": 8, "speed": 1.2})
        return fixes


def intake(port: int, token: str, walkers: list[Walker], posters: int, batch: int, seconds: float) -> dict:
    sent, stored, errors = [0], [0], []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    queue = list(walkers)

    def poster(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = queue[k::posters]
        i = 0
        while time.perf_counter() < stop:
            walker = mine[i % len(mine)]
            i += 1
            body = json.dumps({"worker": walker.code, "fixes": walker.batch(batch)})
            conn.request("POST", "/api/v1/positions", body=body,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            try:
                answer = json.loads(data)
            except ValueError:
                answer = data[:200]
            with lock:
                if response.status == 200:
                    sent[0] += batch
                    stored[0] += answer["stored"]
                else:
                    errors.append(f"{response.status} {answer}")

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(posters)]
    before = cpu_seconds()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = {k: v - before[k] for k, v in cpu_seconds().items()}
    return {"fixes": sent[0], "stored": stored[0], "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": elapsed, "per_second": sent[0] / elapsed,
            "cpu_us_per_fix": {k: round(v * 1e6 / max(sent[0], 1), 1) for k, v in cpu.items()}}


def bare_insert(url: str, walkers: list[Walker], batch: int, seconds: float) -> dict:
    """The floor: the same batches as one multi-row INSERT each, one connection, no checks."""
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    ids = {}
    with psycopg.connect(conninfo) as conn:
        for code, wid in conn.execute("SELECT code, id FROM worker"):
            ids[code] = wid
    sent = 0
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        i = 0
        while time.perf_counter() - started < seconds:
            walker = walkers[i % len(walkers)]
            i += 1
            fixes = walker.batch(batch)
            conn.execute("""
                INSERT INTO position (worker_id, fixed_at, accuracy_m, speed_mps, geom)
                SELECT %s, f.at, f.acc, f.spd, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326)
                FROM unnest(%s::timestamptz[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])
                     AS f(at, lon, lat, acc, spd)
                ON CONFLICT DO NOTHING""",
                (ids[walker.code], [f["time"] for f in fixes], [f["lon"] for f in fixes],
                 [f["lat"] for f in fixes], [f["accuracy"] for f in fixes], [f["speed"] for f in fixes]))
            sent += batch
    elapsed = time.perf_counter() - started
    return {"fixes": sent, "seconds": elapsed, "per_second": sent / elapsed}


def patrol_day(url: str, since: datetime) -> dict:
    """Coverage for every grid of the city for the day with the most fixes since `since` (the
    walks' start: on a city built minutes ago they precede its grids' assignments)."""
    from app.services.accounts.scope import Scope
    from app.services.field import patrol
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        session = db.session()
        day = session.execute(text("""
            SELECT date_trunc('day', fixed_at) FROM position WHERE fixed_at >= :since
            GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"""), {"since": since}).scalar_one()
        fixes = session.execute(text("SELECT count(*) FROM position WHERE fixed_at >= :d AND fixed_at < :d + interval '1 day'"),
                                {"d": day}).scalar_one()
        started = time.perf_counter()
        rows = patrol.coverage(session, day, day + timedelta(days=1), Scope(everything=True),
                               app.config["GRIDMAP"].positions)
        elapsed = time.perf_counter() - started
    walked = [r for r in rows if r.walked_m > 0]
    return {"day": day.isoformat(), "fixes": fixes, "grids": len(rows), "grids_walked": len(walked),
            "seconds": elapsed, "mean_coverage": sum(r.road_coverage or 0 for r in walked) / max(len(walked), 1)}


def nearest_latency(url: str, walkers: list[Walker], samples: int = 50) -> dict:
    """Every walker gets a fix now; then the ranking for incidents at random grid points:
    the first call (which builds the road graph) and the p50 of the rest, against the same
    ranking as the crow flies in SQL (a KNN query: the peer with no roads)."""
    import statistics

    from app.services.accounts.scope import Scope
    from app.services.field import routing
    app = create_app({"DATABASE_URL": url})
    now = datetime.now(timezone.utc)
    with app.app_context():
        session = db.session()
        session.execute(text("""
            INSERT INTO position (worker_id, fixed_at, geom)
            SELECT w.id, :now, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)
            FROM unnest(CAST(:codes AS text[]), CAST(:lons AS float8[]), CAST(:lats AS float8[])) AS v(code, lon, lat)
            JOIN worker w ON w.code = v.code ON CONFLICT DO NOTHING"""),
            {"now": now, "codes": [w.code for w in walkers], "lons": [w.lon for w in walkers],
             "lats": [w.lat for w in walkers]})
        session.commit()
        points = session.execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
            WHERE valid_to IS NULL ORDER BY random() LIMIT :n"""), {"n": samples + 1}).all()
        rules = app.config["GRIDMAP"].positions
        started = time.perf_counter()
        routing.nearest_workers(session, *points[0], Scope(everything=True), rules, now, 5)
        first_ms = (time.perf_counter() - started) * 1000
        times, knn = [], []
        for lon, lat in points[1:]:
            started = time.perf_counter()
            ranked = routing.nearest_workers(session, lon, lat, Scope(everything=True), rules, now, 5)
            times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            session.execute(text("""
                SELECT l.worker_id FROM worker w CROSS JOIN LATERAL (
                    SELECT p.worker_id, p.geom FROM position p WHERE p.worker_id = w.id AND p.fixed_at >= :since
                    ORDER BY p.fixed_at DESC LIMIT 1) l
                ORDER BY l.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 5"""),
                {"since": now - timedelta(minutes=rules.stale_minutes), "lon": lon, "lat": lat}).all()
            knn.append((time.perf_counter() - started) * 1000)
    return {"first_ms": first_ms, "p50_ms": statistics.median(times), "p99_ms": sorted(times)[int(0.99 * (len(times) - 1))],
            "straight_line_p50_ms": statistics.median(knn), "workers_ranked": len(ranked), "available": len(walkers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers-count", type=int, default=400, help="walking grid workers")
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--streams", type=int, default=20)
    args = arguments(parser, SMOKE)

    url = city_url(args.scale)
    token, operator = admin_token(url), operator_token(url)
    rng = random.Random(int(time.time()))
    # each run walks hours of its own in the last day or so (fixes new, in retention), after
    # the grids' workers were assigned (patrol coverage counts a grid's own worker)
    engine = create_engine(url)
    with engine.connect() as conn:
        assigned = conn.execute(text("SELECT max(valid_from) FROM worker_assignment")).scalar_one()
    engine.dispose()
    now = datetime.now(timezone.utc)
    # room for 8 h of fixes per walker before now: at 20,000 fixes/s a 20 s run walks each of
    # 400 workers 2.8 h; a walk that ran past now was refused as 'future' (cheaper, so counted
    # faster) and a third of one such run was
    latest = now - timedelta(hours=8)
    start = assigned + (latest - assigned) * rng.random() if latest > assigned else latest
    walkers = [Walker(code, lon, lat, start, rng) for code, lon, lat in patrols(url, args.workers_count)]
    port = free_port()
    env = {"DATABASE_URL": url, "GRIDMAP_TICK_SECONDS": "0", "FLASK_APP": "app"}
    command = flask_serve(port, 2, 64)
    results = {}
    with serve("gridmap-positions", command, env, port, "/healthz"):
        streams = Streams(port, operator)
        streams.open(args.streams)
        try:
            log(f"warm-up {args.warmup:g} s …")
            intake(port, token, walkers, args.posters, args.batch, args.warmup)
            log(f"intake: {args.posters} posters × batches of {args.batch} for {args.seconds:g} s, "
                f"{args.streams} streams open …")
            results["gridmap"] = intake(port, token, walkers, args.posters, args.batch, args.seconds)
        finally:
            streams.close()
    log("patrol coverage of every grid for the busiest day …")
    results["patrol"] = patrol_day(url, start)
    log("nearest workers along the roads …")
    results["nearest"] = nearest_latency(url, walkers)
    log("the floor: bare INSERTs of the same batches …")
    results["bare_insert"] = bare_insert(url, walkers, args.batch, min(args.seconds, 10))
    results["args"] = vars(args)
    WORK.mkdir(exist_ok=True)
    (WORK / "positions.json").write_text(json.dumps(results, indent=2))
    g, b, pd, nw = results["gridmap"], results["bare_insert"], results["patrol"], results["nearest"]
    print("\n".join([
        "", f"Position intake on the scale-{args.scale} city; batches of {args.batch}; {os.cpu_count()} CPUs",
        f"  Gridmap: {g['per_second']:,.0f} fixes/s ({g['fixes']:,} in {g['seconds']:.1f} s, {g['stored']:,} stored, "
        f"{g['errors']} errors) with {args.streams} streams open      goal ≥ 5,000/s",
        f"    stored: {g['stored'] / g['seconds']:,.0f} fixes/s (the rest refused or already stored)",
        f"    CPU per fix: server {g['cpu_us_per_fix']['server']:.0f} µs (gunicorn "
        f"{g['cpu_us_per_fix']['gunicorn']:.0f}, stream server {g['cpu_us_per_fix']['streams']:.0f}, nginx "
        f"{g['cpu_us_per_fix']['nginx']:.0f}), PostgreSQL "
        f"{g['cpu_us_per_fix']['postgres']:.0f} µs",
        f"  bare INSERT, one connection: {b['per_second']:,.0f} fixes/s      Gridmap ÷ bare: "
        f"{g['per_second'] / b['per_second']:.2f}",
        f"  patrol coverage, every grid, one day: {pd['seconds']:.2f} s for {pd['grids']} grids "
        f"({pd['grids_walked']} walked, {pd['fixes']:,} fixes that day; mean road coverage {pd['mean_coverage']:.0%})",
        f"  nearest workers along the roads ({nw['available']} available): p50 {nw['p50_ms']:.1f} ms, "
        f"p99 {nw['p99_ms']:.1f} ms (first call, building the graph: {nw['first_ms']:.0f} ms); "
        f"as the crow flies in SQL: p50 {nw['straight_line_p50_ms']:.1f} ms",
    ]))


if __name__ == "__main__":
    main()
