"""Layers API benchmark: Gridmap against TiPG and pygeoapi on the same PostGIS tables.

    make bench            (or: .venv/bin/python bench/layers.py --seconds 8 --concurrency 8)

Set-up, each step only when missing: a virtualenv bench/.venv with TiPG, pygeoapi, gunicorn
and uvicorn; a database gridmap_bench_scale10 on the embedded cluster holding the synthetic
city at --scale 10 (640 grids, 6,660 buildings) plus 20,000 incidents (bench/incidents.py files
its reports into the same database, so there may be more); --scale 100 (`make bench SCALE=100`):
gridmap_bench_scale100, a whole city of 6,400 grids, 66,600 buildings and 200,000 incidents
(a quarter of an hour to build, once). `--smoke` runs on the scale-1 city for a second per
query, and without the peers when bench/.venv is absent.

Each server runs with the same number of worker processes on this machine; one Python client
with a fixed number of keep-alive connections sends the same query for a fixed time, with
Accept-Encoding: gzip. The servers run side by side and take turns in --rounds, the order
reversed each round, so the shared machine's drifting load falls on each alike. Reported: requests/s and p50/p99 latency per server and query, the
ratios Gridmap/TiPG and Gridmap/pygeoapi (throughput), and Gridmap's p50 at one connection
against the bare SQL query's own p50 (the floor), beside the least that ratio can be on this
stack: an empty Flask answer (bench/flask_floor.py) served and timed the same way, added to
the bare SQL. Machines are shared and noisy: read the ratios, not the absolute figures.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (BENCH, ROOT, VENV, WORK, arguments, bench_token, city_url, free_port, log,  # noqa: E402
                    request, serve)
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app, db  # noqa: E402

PEERS = ["tipg", "pygeoapi", "geoalchemy2", "pygeofilter", "gunicorn", "uvicorn[standard]", "psycopg2-binary"]
SMOKE = {"seconds": 1.0, "rounds": 1, "concurrency": 2}


# -- set-up ---------------------------------------------------------------------------------

def ensure_peers() -> None:
    if not (ROOT / ".venv/bin/gunicorn").exists():      # Gridmap's own WSGI server here
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "gunicorn"], check=True)
    if (VENV / ".installed").exists():
        return
    log("installing TiPG and pygeoapi into bench/.venv …")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin/pip"), "install", "-q", *PEERS], check=True)
    (VENV / ".installed").touch()


def admin_token(url: str) -> str:
    return bench_token(url, "bench", "admin")


def pygeoapi_config(url: str, port: int) -> Path:
    u = urlparse(url.replace("postgresql+psycopg", "postgresql"))
    data = {"host": u.hostname, "port": u.port, "dbname": u.path.lstrip("/"), "user": u.username,
            "password": u.password, "search_path": ["public"]}

    def provider(kind, table, name="PostgreSQL", **extra):
        return {"type": kind, "name": name, "data": data, "id_field": "id", "table": table,
                "geom_field": "geom", **extra}
    resources = {}
    for cid, table, tiles in (("buildings", "building", True), ("grids", "grid", False),
                              ("incidents", "incident", False)):
        providers = [provider("feature", table)]
        if tiles:
            providers.append(provider("tile", table, "MVT-postgresql", options={"zoom": {"min": 0, "max": 22}},
                                      format={"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"}))
        resources[cid] = {"type": "collection", "title": cid, "description": cid, "keywords": [cid],
                          "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                                  "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                          "providers": providers}
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "gzip": True,
                   "languages": ["en-US"], "pretty_print": False, "limits": {"default_items": 100, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "none",
                                        "url": "http://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                     "provider": {"name": "bench", "url": "http://example.org"},
                     "contact": {"name": "bench"}},
        "resources": resources,
    }
    WORK.mkdir(exist_ok=True)
    path = WORK / "pygeoapi.yml"
    path.write_text(json.dumps(config))      # JSON is YAML
    openapi = WORK / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(path), "PYGEOAPI_OPENAPI": str(openapi)}
    out = subprocess.run([str(VENV / "bin/pygeoapi"), "openapi", "generate", str(path)],
                         env=env, capture_output=True, text=True, check=True)
    openapi.write_text(out.stdout)
    return path


# -- the client ---------------------------------------------------------------------------


SLOW_SECONDS = 5.0


def measured(q: str, name: str, first: tuple, loaded: dict, alone: bool = False) -> dict:
    status, body, encoding = first
    features = count_features(body, encoding) if status == 200 else None
    log(f"{name:9} {q:45} {loaded['rps']:8.1f} req/s  p50 {loaded['p50']:7.1f} ms  "
        f"p99 {loaded['p99']:7.1f} ms  ({status}, {features if features is not None else len(body)} "
        f"{'features' if features is not None else 'bytes'}, {len(loaded['errors'])} errors"
        f"{', measured alone' if alone else ''})")
    return {**loaded, "status": status, "features": features, "bytes": len(body),
            "errors": len(loaded["errors"]), "latencies": None, "alone": alone}


def cancel_leftovers(url: str) -> None:
    """Ends the queries still running for requests the client gave up on (only the server
    measured alone has any): they would load the machine under what comes next."""
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE "
                          "datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"))
    engine.dispose()


def first_answer(port: int, path: str, headers: dict):
    """The answer to check (status, size, features); a server that times out gets status 0."""
    try:
        return request(port, path, headers)
    except (OSError, http.client.HTTPException) as error:
        log(f"  {path}: {error!r}")
        return 0, b"", None


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    rates = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        started = time.monotonic()
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status, _, _ = request(port, path, headers, conn)
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status != 200:
                errors.append(status)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            # each connection's own rate, up to its own last answer: a connection that finished
            # before the slowest one's last answer did not sit idle in the figure
            rates.append(len(mine) / max(time.monotonic() - started, 1e-9))

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summary([{"latencies": latencies, "elapsed": time.monotonic() - began, "errors": errors,
                     "rps": sum(rates)}])


def summary(runs: list[dict]) -> dict:
    """Requests/s and latency over several runs of the same query against the same server."""
    latencies = sorted(v for r in runs for v in r["latencies"])
    errors = [e for r in runs for e in r["errors"]]
    elapsed = sum(r["elapsed"] for r in runs)
    return {"rps": sum(r["rps"] * r["elapsed"] for r in runs) / elapsed, "p50": percentile_ms(latencies, 50),
            "p99": percentile_ms(latencies, 99), "n": len(latencies), "errors": errors,
            "first_error": errors[0] if errors else None, "latencies": latencies, "elapsed": elapsed}


def percentile_ms(values: list[float], p: float) -> float:
    """The p-th percentile of sorted latencies in seconds, in milliseconds."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def count_features(body: bytes, encoding: str | None) -> int | None:
    import gzip
    data = gzip.decompress(body) if encoding == "gzip" else body
    try:
        return len(json.loads(data)["features"])
    except (ValueError, KeyError):
        return None


# -- the queries --------------------------------------------------------------------------

def plan(url: str) -> dict:
    """A bbox around the city's middle that holds about 1,000 buildings, and the tiles there."""
    engine = create_engine(url)
    with engine.connect() as conn:
        cx, cy = conn.execute(text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) c "
                                   "FROM building) s")).one()
        half = 0.001
        while True:
            n = conn.execute(text("SELECT count(*) FROM building WHERE geom && "
                                  "ST_MakeEnvelope(:a, :b, :c, :d, 4326)"),
                             {"a": cx - half * 1.35, "b": cy - half, "c": cx + half * 1.35, "d": cy + half}).scalar_one()
            if n >= 1000 or half > 1:
                break
            half *= 1.1
    engine.dispose()
    bbox = (round(cx - half * 1.35, 6), round(cy - half, 6), round(cx + half * 1.35, 6), round(cy + half, 6))
    import math

    def tile(z):
        n = 2 ** z
        x = int((cx + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(cy))) / math.pi) / 2 * n)
        return z, x, y
    return {"bbox": ",".join(map(str, bbox)), "buildings_in_bbox": n, "z13": tile(13), "z15": tile(15), "z17": tile(17)}


CQL2_STATUS = quote("status = 'reported'")
EPSG = quote("http://www.opengis.net/def/crs/EPSG/0/", safe="") + "{}"
# what the issue holds each against: (query, the same answer asked plainly, the most it may cost)
AGAINST = [("incidents, filter status = 'reported' (CQL2), one page", "incidents, status=reported, one page", 1.2),
           ("buildings in a bbox (limit 1000), crs=EPSG:3857", "buildings in a bbox (limit 1000)", 1.3),
           ("buildings in a bbox (limit 1000), crs=EPSG:4490", "buildings in a bbox (limit 1000)", 1.3)]


def queries(p: dict) -> dict[str, dict[str, str]]:
    z13, z15, z17 = p["z13"], p["z15"], p["z17"]
    return {
        "buildings in a bbox (limit 1000)": {
            "gridmap": f"/ogcapi/collections/buildings/items?bbox={p['bbox']}&limit=1000",
            "tipg": f"/collections/public.building/items?bbox={p['bbox']}&limit=1000",
            "pygeoapi": f"/collections/buildings/items?bbox={p['bbox']}&limit=1000&f=json"},
        "all grids": {
            "gridmap": "/ogcapi/collections/grids/items?limit=1000",
            "tipg": "/collections/public.grid/items?limit=1000",
            "pygeoapi": "/collections/grids/items?limit=1000&f=json"},
        "incidents, status=reported, one page": {
            "gridmap": "/ogcapi/collections/incidents/items?status=reported&limit=100",
            "tipg": "/collections/public.incident/items?status=reported&limit=100",
            "pygeoapi": "/collections/incidents/items?status=reported&limit=100&f=json"},
        # the same condition as CQL2 (Part 3): the same SQL in the end
        "incidents, filter status = 'reported' (CQL2), one page": {
            "gridmap": f"/ogcapi/collections/incidents/items?filter={CQL2_STATUS}&limit=100",
            "tipg": f"/collections/public.incident/items?filter={CQL2_STATUS}&filter-lang=cql2-text&limit=100",
            "pygeoapi": f"/collections/incidents/items?filter={CQL2_STATUS}&filter-lang=cql-text&limit=100&f=json"},
        # the bbox page again, reprojected by PostGIS (Part 2); the peers do not serve Part 2
        "buildings in a bbox (limit 1000), crs=EPSG:3857": {
            "gridmap": f"/ogcapi/collections/buildings/items?bbox={p['bbox']}&limit=1000&crs={EPSG.format(3857)}"},
        "buildings in a bbox (limit 1000), crs=EPSG:4490": {
            "gridmap": f"/ogcapi/collections/buildings/items?bbox={p['bbox']}&limit=1000&crs={EPSG.format(4490)}"},
        f"buildings tile z15 {z15[1]}/{z15[2]}": {
            "gridmap": f"/tiles/buildings/{z15[0]}/{z15[1]}/{z15[2]}.mvt",
            "tipg": f"/collections/public.building/tiles/WebMercatorQuad/{z15[0]}/{z15[1]}/{z15[2]}",
            "pygeoapi": f"/collections/buildings/tiles/WebMercatorQuad/{z15[0]}/{z15[2]}/{z15[1]}?f=mvt"},
        f"buildings tile z17 {z17[1]}/{z17[2]}": {
            "gridmap": f"/tiles/buildings/{z17[0]}/{z17[1]}/{z17[2]}.mvt",
            "tipg": f"/collections/public.building/tiles/WebMercatorQuad/{z17[0]}/{z17[1]}/{z17[2]}",
            "pygeoapi": f"/collections/buildings/tiles/WebMercatorQuad/{z17[0]}/{z17[2]}/{z17[1]}?f=mvt"},
        # the grids as the wall draws a whole city (pygeoapi is given no grid tiles)
        f"grids tile z13 {z13[1]}/{z13[2]}": {
            "gridmap": f"/tiles/grids/{z13[0]}/{z13[1]}/{z13[2]}.mvt",
            "tipg": f"/collections/public.grid/tiles/WebMercatorQuad/{z13[0]}/{z13[1]}/{z13[2]}"},
    }


def bare_sql_p50(url: str, gridmap_path: str, token: str, repeat: int = 200) -> float:
    """The floor: the SQL Gridmap runs for this request, timed alone on one connection."""
    app = create_app({"DATABASE_URL": url})
    statements = []
    from sqlalchemy import event
    with app.app_context():
        engine = db.engine()

        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))
        event.listen(engine, "before_cursor_execute", capture)
        with app.test_client() as client:
            # the second answer's statement, as the server runs it from then on: the count the
            # first one made is kept while the layer stands
            for _ in range(2):
                statements.clear()
                client.get(gridmap_path, headers={"Authorization": f"Bearer {token}"}, buffered=True)
        event.remove(engine, "before_cursor_execute", capture)
    # the layer's own statement (which reads the layer versions for the ETag as it goes): not
    # the token lookup or the audit/actor bookkeeping
    layer = [(s, p) for s, p in statements
             if ("FROM building" in s or "FROM grid" in s or "FROM incident" in s or "ST_AsMVT" in s)
             and "api_token" not in s]
    import psycopg
    raw = url.replace("postgresql+psycopg", "postgresql")
    timings = []
    with psycopg.connect(raw) as conn:
        for _ in range(repeat):
            start = time.perf_counter()
            for statement, parameters in layer:
                with conn.cursor() as cur:
                    cur.execute(statement, parameters)
                    cur.fetchall()
            timings.append(time.perf_counter() - start)
    timings.sort()
    return percentile_ms(timings, 50)


# -- main ---------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="per query, per server")
    parser.add_argument("--rounds", type=int, default=4, help="turns each server takes per query")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server processes, the same for each")
    parser.add_argument("--only", help="comma-separated servers to run (gridmap,tipg,pygeoapi)")
    args = arguments(parser, SMOKE)

    if args.smoke and not (VENV / ".installed").exists():
        print("TiPG and pygeoapi skipped: their virtualenv bench/.venv is absent (`make bench` installs it); "
              "a smoke run does not install them.")
        args.only = "gridmap"
    else:
        ensure_peers()
    url = city_url(args.scale)
    token = admin_token(url)
    p = plan(url)
    log(f"bbox {p['bbox']} holds {p['buildings_in_bbox']} buildings")
    qs = queries(p)
    libpq = url.replace("postgresql+psycopg", "postgresql")
    ports = {name: free_port() for name in ("gridmap", "tipg", "pygeoapi")}
    chosen = args.only.split(",") if args.only else list(ports)
    pygeoapi_env = {"PYGEOAPI_CONFIG": str(pygeoapi_config(url, ports["pygeoapi"])),
                    "PYGEOAPI_OPENAPI": str(WORK / "pygeoapi-openapi.yml")} if "pygeoapi" in chosen else {}
    servers = {
        "gridmap": ([str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads", "4",
                     "-b", f"127.0.0.1:{ports['gridmap']}", "app:create_app()"],
                    {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, "/healthz", {"Authorization": f"Bearer {token}"}),
        "tipg": ([str(VENV / "bin/uvicorn"), "tipg.main:app", "--workers", str(args.workers), "--host", "127.0.0.1",
                  "--port", str(ports["tipg"]), "--log-level", "warning"],
                 {"DATABASE_URL": libpq, "TIPG_DB_SCHEMAS": '["public"]', "TIPG_MAX_FEATURES_PER_QUERY": "10000"},
                 "/collections", {}),
        "pygeoapi": ([str(VENV / "bin/gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads", "4",
                      "-b", f"127.0.0.1:{ports['pygeoapi']}", "pygeoapi.flask_app:APP"],
                     pygeoapi_env, "/collections", {}),
    }
    results: dict[str, dict[str, dict]] = {q: {} for q in qs}
    apart: list[tuple[str, str]] = []       # (query, server) measured alone, at the end
    with ExitStack() as running:
        for name in chosen:
            command, env, probe, _ = servers[name]
            running.enter_context(serve(name, command, env, ports[name], probe))
        headers = {name: {**servers[name][3], "Accept-Encoding": "gzip"} for name in chosen}
        for q, paths in qs.items():
            first, took = {}, {}
            asked = [name for name in chosen if name in paths]
            for name in asked:
                began = time.monotonic()
                first[name] = first_answer(ports[name], paths[name], headers[name])
                took[name] = time.monotonic() - began
            # A server that needs seconds for one answer is measured alone after the others: the
            # queries of its requests the client gives up on run on in PostgreSQL and would
            # load the machine under another server's turn.
            turns = [name for name in asked if first[name][0] == 200 and took[name] < SLOW_SECONDS]
            apart += [(q, name) for name in asked if name not in turns]
            if len(turns) < len(asked):
                cancel_leftovers(url)       # a first answer the client gave up on runs on
            for name in turns:                                              # warm up
                load(ports[name], paths[name], headers[name], 1.0, args.concurrency)
            # The servers take turns, in rounds, the order reversed each round: a shared
            # machine's load drifts, and each server gets its share of the quiet and the busy.
            runs: dict[str, list[dict]] = {name: [] for name in turns}
            for n in range(args.rounds):
                for name in (turns if n % 2 == 0 else turns[::-1]):
                    runs[name].append(load(ports[name], paths[name], headers[name],
                                           args.seconds / args.rounds, args.concurrency))
            for name in turns:
                results[q][name] = measured(q, name, first[name], summary(runs[name]))
            if "gridmap" in turns:      # one connection, for the comparison with the bare SQL
                results[q]["gridmap"]["p50_single"] = load(
                    ports["gridmap"], paths["gridmap"], headers["gridmap"], args.seconds / 2, 1)["p50"]
        for q, name in apart:
            path = qs[q][name]
            load(ports[name], path, headers[name], 1.0, args.concurrency)
            results[q][name] = measured(q, name, first_answer(ports[name], path, headers[name]),
                                        load(ports[name], path, headers[name], args.seconds, args.concurrency),
                                        alone=True)
            cancel_leftovers(url)
    cancel_leftovers(url)       # what a stopped server's queued requests started meanwhile
    results = {q: {name: by_server[name] for name in chosen if name in by_server}
               for q, by_server in results.items()}
    floors = {q: bare_sql_p50(url, paths["gridmap"], token) for q, paths in qs.items()} if "gridmap" in chosen else {}
    flask_ms = flask_floor_p50(args) if "gridmap" in chosen else None
    print(report(results, floors, args, p, flask_ms))
    (WORK / "layers-results.json").write_text(json.dumps({"results": results, "floors_ms": floors, "plan": p,
                                                          "flask_floor_ms": flask_ms}, indent=1, default=str))


def flask_floor_p50(args) -> float:
    """p50 at one connection of a Flask route with nothing to do (bench/flask_floor.py), on
    Gridmap's server command line and this client: what every answer costs above its SQL."""
    port = free_port()
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads", "4",
               "-b", f"127.0.0.1:{port}", "--chdir", str(BENCH), "flask_floor:app"]
    with serve("flask-floor", command, {}, port, "/answer"):
        load(port, "/answer", {"Accept-Encoding": "gzip"}, 1.0, 1)
        return load(port, "/answer", {"Accept-Encoding": "gzip"}, args.seconds / 2, 1)["p50"]


def report(results, floors, args, p, flask_ms: float | None = None) -> str:
    lines = [f"Layers benchmark: synthetic city --scale {args.scale}, {args.workers} worker processes per server, "
             f"{args.concurrency} connections, {args.seconds:g} s per query in {args.rounds} turns, gzip.", "",
             "| query | server | req/s | p50 ms | p99 ms | answer |", "|---|---|---:|---:|---:|---|"]
    for q, by_server in results.items():
        for name, r in by_server.items():
            answer = (f"{r['features']} features" if r["features"] is not None else f"{r['bytes']:,} B") \
                + ("" if r["status"] == 200 else f" (HTTP {r['status']})") \
                + (f", {r['errors']} errors" if r["errors"] else "") \
                + (", measured alone (seconds per answer)" if r.get("alone") else "")
            lines.append(f"| {q} | {name} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {answer} |")
    lines += ["", "| query | Gridmap/TiPG (req/s) | Gridmap/pygeoapi (req/s) | Gridmap p50 alone ÷ bare SQL p50 "
              "| least possible: (bare SQL + empty Flask answer) ÷ bare SQL |", "|---|---:|---:|---:|---:|"]
    for q, by_server in results.items():
        g = by_server.get("gridmap")

        def ratio(peer):
            other = by_server.get(peer)
            if not g or not other or other["status"] != 200 or not other["rps"]:
                return "n/a"
            return f"{g['rps'] / other['rps']:.2f}×"
        floor = f"{g['p50_single'] / floors[q]:.2f}× ({g['p50_single']:.1f} / {floors[q]:.1f} ms)" \
            if g and q in floors else "n/a"
        least = f"{(floors[q] + flask_ms) / floors[q]:.2f}×" if flask_ms and q in floors else "n/a"
        lines.append(f"| {q} | {ratio('tipg')} | {ratio('pygeoapi')} | {floor} | {least} |")
    lines += ["", "| asked | against | server | time per answer (req/s against ÷ req/s asked) | at most |",
              "|---|---|---|---:|---:|"]
    for asked, plain, most in AGAINST:
        for name in ("gridmap", "tipg", "pygeoapi"):
            a, b = results.get(asked, {}).get(name), results.get(plain, {}).get(name)
            if a and b and a["status"] == b["status"] == 200 and a["rps"]:
                lines.append(f"| {asked} | {plain} | {name} | {b['rps'] / a['rps']:.2f}× | "
                             f"{f'{most:g}×' if name == 'gridmap' else ''} |")
    if flask_ms:
        lines += ["", f"An empty Flask answer (bench/flask_floor.py: 1,500 bytes in hand, no database) on the same "
                  f"server command line, one connection: p50 {flask_ms:.2f} ms."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
