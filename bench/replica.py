"""Read replica benchmark: layer throughput with the reads on a streaming replica while intake
runs on the primary, against both on the primary (issue 30).

    .venv/bin/python bench/replica.py      (--scale 10 --seconds 8 --rounds 2 --concurrency 8 --posters 4)

Set-up, each step only when missing: a private embedded cluster under var/bench-replica (the
demo's and the suite's cluster is everyone's, and a replica copies a whole cluster) holding
the synthetic city at --scale with its incidents, as bench/layers.py's, and its streaming
replica, made by the code `flask db-server replica start` runs. Both clusters are stopped at
the end.

Gridmap runs as bench/layers.py runs it (gunicorn, --workers processes), twice side by side on
the same primary: one with DATABASE_REPLICA_URL naming the replica, one without. Each setup in
turn, the order reversed each round, gets the same load for --seconds in --rounds: --posters
connections post reports to the primary as fast as they are answered (bench/incidents.py's
client), while --concurrency connections ask for bench/layers.py's layer queries in turn.
Reported per setup: layer requests/s and p50/p99, the share the replica answered (by the
X-Gridmap-Database header), reports/s, errors; the ratios; and how far the replica fell behind
meanwhile (pg_stat_replication). Both PostgreSQL servers share this machine's cores: a replica on
another machine adds its own. Machines are shared and noisy: read the ratios.
"""
from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, arguments, ensure_city, free_port, log, operator_token, serve  # noqa: E402
from incidents import Poster, close_earlier_reports, reports_pool  # noqa: E402
from layers import percentile_ms, plan, queries  # noqa: E402

from app.pgserver import REPLICA_NAME, Cluster  # noqa: E402

SMOKE = {"seconds": 1.0, "rounds": 1, "concurrency": 2, "posters": 2}
VAR = ROOT / "var" / "bench-replica"
SETUPS = {"replica": "reads on the replica, intake on the primary", "primary": "both on the primary"}
# bench/layers.py's queries that make the map: a bbox of buildings, every grid, a page of incidents, tiles
LAYER_QUERIES = ("buildings in a bbox (limit 1000)", "all grids", "incidents, status=reported, one page")


def clusters(scale: int) -> tuple[str, str, Cluster]:
    """The primary's and the replica's URLs of the city's database, both running."""
    primary = Cluster(VAR)
    primary.start()
    url = ensure_city(primary, scale)
    log("starting the replica (copied on the first run) …")
    replica = primary.start_replica()
    return url, replica.url(url.rsplit("/", 1)[1]), primary


def layer_paths(url: str) -> list[str]:
    qs = queries(plan(url))
    return [qs[q]["gridmap"] for q in LAYER_QUERIES] + \
        [paths["gridmap"] for q, paths in qs.items() if q.startswith("buildings tile")]


def phase(port: int, token: str, paths: list[str], pool: list[dict], seconds: float, readers: int,
          posters: int) -> dict:
    """Readers and posters at once for `seconds`: what each got."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    got = {"latencies": [], "by": {}, "errors": [], "reports": 0, "report_errors": []}
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}

    def reader(offset: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, by, errors, n = [], {}, [], offset
        while time.monotonic() < stop:
            path = paths[n % len(paths)]
            n += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                errors.append(response.status)
            answered = response.getheader("X-Gridmap-Database") or "none"
            by[answered] = by.get(answered, 0) + 1
        conn.close()
        with lock:
            got["latencies"] += mine
            got["errors"] += errors
            for name, count in by.items():
                got["by"][name] = got["by"].get(name, 0) + count

    def poster(offset: int):
        connection = Poster(port, token)
        made, errors, n = 0, [], offset
        while time.monotonic() < stop:
            status, answer = connection.post(connection.request(pool[n % len(pool)]))
            n += posters
            if status == 201:
                made += 1
            else:
                errors.append(status)
        with lock:
            got["reports"] += made
            got["report_errors"] += errors

    began = time.monotonic()
    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)] + \
        [threading.Thread(target=poster, args=(n,)) for n in range(posters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got["elapsed"] = time.monotonic() - began
    return got


class LagWatch:
    """How far the replica falls behind while the phases run, as the primary sees it."""

    def __init__(self, url: str):
        import psycopg
        self.conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        self.bytes, self.seconds, self.running = 0, 0.0, True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while self.running:
            row = self.conn.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), replay_lsn), extract(epoch FROM replay_lag) "
                "FROM pg_stat_replication WHERE application_name = %s", (REPLICA_NAME,)).fetchone()
            if row:
                self.bytes = max(self.bytes, int(row[0] or 0))
                self.seconds = max(self.seconds, float(row[1] or 0))
            time.sleep(0.2)

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="per setup, over its turns")
    parser.add_argument("--rounds", type=int, default=2, help="turns each setup takes")
    parser.add_argument("--concurrency", type=int, default=8, help="connections reading layers")
    parser.add_argument("--posters", type=int, default=4, help="connections posting reports")
    parser.add_argument("--workers", type=int, default=2, help="server processes, the same for each setup")
    args = arguments(parser, SMOKE)

    url, replica_url, primary = clusters(args.scale)
    try:
        token = operator_token(url)
        log(f"closed {close_earlier_reports(url):,} reports earlier runs left open")
        paths = layer_paths(url)
        pool = reports_pool(url, 2000)
        ports = {name: free_port() for name in SETUPS}
        runs: dict[str, list[dict]] = {name: [] for name in SETUPS}
        with ExitStack() as running:
            for name, port in ports.items():
                env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "GRIDMAP_TICK_SECONDS": "0",
                       **({"DATABASE_REPLICA_URL": replica_url} if name == "replica" else {})}
                command = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", "gthread",
                           "--threads", "4", "-b", f"127.0.0.1:{port}", "app:create_app()"]
                running.enter_context(serve(f"replica-bench-{name}", command, env, port, "/healthz"))
            for name, port in ports.items():      # warm up: connections, plans, the replica's measure
                phase(port, token, paths, pool, 1.0, args.concurrency, 1)
            watch = LagWatch(url)
            order = list(SETUPS)
            for n in range(args.rounds):
                for name in (order if n % 2 == 0 else order[::-1]):
                    runs[name].append(phase(ports[name], token, paths, pool, args.seconds / args.rounds,
                                            args.concurrency, args.posters))
            watch.stop()
        print(report({name: summary(r) for name, r in runs.items()}, watch, args, paths))
    finally:
        primary.stop_replica()
        primary.stop()


def summary(runs: list[dict]) -> dict:
    latencies = sorted(v for r in runs for v in r["latencies"])
    elapsed = sum(r["elapsed"] for r in runs)
    by: dict[str, int] = {}
    for r in runs:
        for name, count in r["by"].items():
            by[name] = by.get(name, 0) + count
    return {"rps": len(latencies) / elapsed, "p50": percentile_ms(latencies, 50), "p99": percentile_ms(latencies, 99),
            "replica_share": by.get("replica", 0) / max(1, len(latencies)),
            "reports_per_s": sum(r["reports"] for r in runs) / elapsed,
            "errors": sum(len(r["errors"]) + len(r["report_errors"]) for r in runs),
            "first_error": next((e for r in runs for e in r["errors"] + r["report_errors"]), None)}


def report(results: dict[str, dict], watch: LagWatch, args, paths: list[str]) -> str:
    lines = [f"Replica benchmark: synthetic city --scale {args.scale}, {args.workers} worker processes per setup, "
             f"{args.concurrency} connections reading layers and {args.posters} posting reports at once, "
             f"{args.seconds:g} s per setup in {args.rounds} turns, gzip.",
             f"Layer queries, in turn: {', '.join(paths)}", "",
             "| setup | layer req/s | p50 ms | p99 ms | answered by the replica | reports/s | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, title in SETUPS.items():
        r = results[name]
        lines.append(f"| {title} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['replica_share']:.0%} "
                     f"| {r['reports_per_s']:.1f} | {r['errors']} |")
    on, off = results["replica"], results["primary"]
    lines += ["", f"layers, reads on the replica ÷ both on the primary: {on['rps'] / off['rps']:.2f}× (req/s); "
                  f"intake {on['reports_per_s'] / off['reports_per_s']:.2f}× (reports/s)",
              f"replica lag while measured: at most {watch.bytes:,} bytes behind, replay lag at most "
              f"{watch.seconds:.3f} s (pg_stat_replication)"]
    errors = [r["first_error"] for r in results.values() if r["first_error"] is not None]
    if errors:
        lines.append(f"first error: {errors[0]}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
