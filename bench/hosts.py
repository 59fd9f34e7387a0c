"""Issue 30: two app hosts behind nginx against one host.

    make bench-hosts       (or: .venv/bin/python bench/hosts.py)
    .venv/bin/python bench/hosts.py --smoke      (scale 1, 10 walls, a second of each: for the tests)

Two set-ups on the scale-N synthetic city (the database bench/layers.py and bench/incidents.py
use), each served as production serves it:

- one host: `flask serve` (nginx, gunicorn --workers W × --threads, the stream server);
- two hosts: `flask serve-hosts` (two such `flask serve`, the same W each, and nginx in front,
  deploy/nginx-hosts.conf).

Both are started at once (starting takes longer than measuring), then measured one after the
other, the first stopped before the second is measured (its pools would hold connections the
second needs: the embedded cluster allows 100). In each, --walls SSE clients (operators, scope the whole city) stay connected:
with two hosts, half opened on each host's own port, so it is known which host holds each.

1. Across hosts: --reports reports at --pace per second, each posted to host A's own port;
   the delay from sending the POST to each wall reading the report's event, p50/p99, for the
   walls on the other host (B) and for those on A (one host: every wall is on it).
2. Intake: --posters connections post through the public port (the nginx in front, or the one
   host's) as fast as they are answered for --seconds, after --warmup s not counted:
   reports/s, whether every wall got every report, the servers' CPU per report.
3. Layers: --concurrency connections GET one layer answer through the public port for
   --layer-seconds each, gzip: buildings in a bbox (1,000 features) and a z15 buildings tile.

Goal (issue 30): reports made through one host reach walls on the other in < 500 ms p99.
Honest limit, said in the output too: everything runs on one shared 2-core machine, so the two
hosts share the cores the one host had alone (twice the processes): the two-host figures show
what the nginx in front and the hosts' separate listeners cost and that delivery across hosts
holds, not what a second machine adds.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (ROOT, WORK, Streams, arguments, city_url, flask_serve, free_port, log,  # noqa: E402
                    operator_token, percentile, request)
from incidents import Poster, close_earlier_reports, reports_pool  # noqa: E402
from layers import admin_token, load, plan  # noqa: E402
from streams import Cpu, server_processes  # noqa: E402

SMOKE = {"walls": 10, "reports": 20, "pace": 20.0, "posters": 2, "seconds": 1.0, "warmup": 0.0,
         "layer_seconds": 1.0, "concurrency": 2, "workers": 1, "drain": 1.0}


class Setup:
    """One way of serving: its public port, the ports that hold the walls, where reports are posted."""

    def __init__(self, name: str, command: list[str], public: int, wall_ports: list[int], report_port: int):
        self.name, self.command, self.public = name, command, public
        self.wall_ports, self.report_port = wall_ports, report_port

    def root(self) -> int:
        """The pid of the command (its session leader), whose descendants are the servers."""
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parts = Path(entry, "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if str(self.public).encode() in parts and any(p in (b"serve", b"serve-hosts") for p in parts):
                    return int(entry.name)
        raise SystemExit(f"could not find the server of {self.name}")


def setups(workers: int, threads: int) -> list[Setup]:
    one = free_port()
    front, a, b = free_port(), free_port(), free_port()
    two = [sys.executable, "-m", "flask", "serve-hosts", "--port", str(front), "--app-port", str(a),
           "--app-port", str(b), "--workers", str(workers), "--threads", str(threads), "--no-simulate"]
    return [Setup("one host", flask_serve(one, workers, threads), one, [one], one),
            Setup("two hosts", two, front, [a, b], a)]


@contextmanager
def serving(chosen: list[Setup], env: dict):
    """Every set-up started at once; gives a function that stops one (as common.serve does),
    and stops what is left at the end."""
    WORK.mkdir(exist_ok=True)
    processes = []

    def stop(setup: Setup) -> None:
        name, logfile, process = processes[chosen.index(setup)]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        logfile.close()
    try:
        for setup in chosen:
            name = f"gridmap-{setup.name.replace(' ', '-')}"
            log(f"starting {name} on :{setup.public}")
            logfile = open(WORK / f"{name}.log", "w")
            processes.append((name, logfile, subprocess.Popen(
                setup.command, env={**os.environ, **env}, stdout=logfile, stderr=subprocess.STDOUT,
                cwd=str(WORK), start_new_session=True)))
        deadline = time.monotonic() + 120
        for setup, (name, _, process) in zip(chosen, processes):
            while True:
                try:
                    if request(setup.public, "/healthz", {})[0] < 500:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not start; see {WORK / (name + '.log')}")
                time.sleep(0.5)
        yield stop
    finally:
        for _, _, process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for setup in chosen[:len(processes)]:
            stop(setup)


def across(setup: Setup, token: str, walls: list[Streams], pool: list[dict], pace: float, drain: float) -> dict:
    """Reports posted to `setup.report_port` at `pace`; delays to the walls on each port."""
    connection = Poster(setup.report_port, token)
    sent: dict[str, float] = {}
    for body in pool:
        started = time.perf_counter()
        status, answer = connection.post(connection.request(body))
        if status != 201:
            raise SystemExit(f"report refused: {status} {answer[:300]!r}")
        sent[json.loads(answer)["properties"]["code"]] = started
        time.sleep(max(0.0, 1 / pace - (time.perf_counter() - started)))
    time.sleep(drain)       # the last events in flight
    by_port = {}
    for port, streams in zip(setup.wall_ports, walls):
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
        by_port[port] = {"pairs": len(delays), "missing": missing, "p50_ms": percentile(delays, 50),
                         "p99_ms": percentile(delays, 99), "max_ms": max(delays, default=float("nan"))}
    return by_port


def intake(setup: Setup, token: str, walls: list[Streams], pool: list[dict], posters: int, seconds: float,
           root: int) -> dict:
    made: list[str] = []
    errors: list[str] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def poster(offset: int):
        connection = Poster(setup.public, token)
        requests = [connection.request(body) for body in pool[offset::posters]]
        i = 0
        while time.perf_counter() < stop:
            status, body = connection.post(requests[i % len(requests)])
            i += 1
            with lock:
                (made.append(json.loads(body)["properties"]["code"]) if status == 201
                 else errors.append(f"{status} {body[:300]!r}"))

    cpu = Cpu(lambda: list(server_processes(root)))
    threads = [threading.Thread(target=poster, args=(k,)) for k in range(posters)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    used = cpu.used()
    settled = time.perf_counter()           # until every wall has read what it will be sent
    while time.perf_counter() - settled < 30:
        before = sum(s.received() for s in walls)
        time.sleep(1)
        if sum(s.received() for s in walls) == before:
            break
    expected, fewest, resyncs = set(made), None, 0
    for streams in walls:
        for arrivals, resynced in streams.take():
            resyncs += resynced
            got = len(expected & {json.loads(line[6:])["incident"]["code"] for _, line in arrivals})
            fewest = got if fewest is None else min(fewest, got)
    return {"reports": len(made), "errors": len(errors), "first_error": errors[0] if errors else None,
            "per_second": len(made) / elapsed, "every_wall_got_every_report": fewest == len(expected),
            "resyncs": resyncs, "server_cpu_ms_per_report": used["cpu_s"] * 1000 / max(len(made), 1),
            "server_cpu_by": used["by"]}


def measure(setup: Setup, args, token: str, admin: str, pool: list[dict], paths: dict[str, str]) -> dict:
    root = setup.root()
    log(f"{setup.name}: {args.walls} walls on {', '.join(map(str, setup.wall_ports))} …")
    walls = [Streams(port, token) for port in setup.wall_ports]
    try:
        for k, streams in enumerate(walls):
            streams.open(args.walls // len(walls) + (k < args.walls % len(walls)))
        log(f"{setup.name}: {args.reports} reports at {args.pace:g}/s through :{setup.report_port} …")
        result = {"across": across(setup, token, walls, pool[:args.reports], args.pace, args.drain)}
        log(f"{setup.name}: intake, {args.posters} posters through :{setup.public} for {args.seconds:g} s …")
        if args.warmup > 0:
            intake(setup, token, walls, pool, args.posters, args.warmup, root)
        result["intake"] = intake(setup, token, walls, pool, args.posters, args.seconds, root)
        result["layers"] = {}
        for name, path in paths.items():
            log(f"{setup.name}: {name}, {args.concurrency} connections for {args.layer_seconds:g} s …")
            headers = {"Authorization": f"Bearer {admin}", "Accept-Encoding": "gzip"}
            load(setup.public, path, headers, min(1.0, args.layer_seconds / 2), args.concurrency)    # warm
            answered = load(setup.public, path, headers, args.layer_seconds, args.concurrency)
            result["layers"][name] = {"rps": answered["rps"], "p50_ms": answered["p50"], "p99_ms": answered["p99"],
                                      "errors": len(answered["errors"]), "first_error": answered["first_error"]}
    finally:
        for streams in walls:
            streams.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--walls", type=int, default=100, help="SSE clients seeing the whole city, across the hosts")
    parser.add_argument("--reports", type=int, default=500, help="posted to host A, at --pace per second")
    parser.add_argument("--pace", type=float, default=25.0)
    parser.add_argument("--drain", type=float, default=2.0, help="seconds after the last report before counting")
    parser.add_argument("--posters", type=int, default=16, help="connections of the intake")
    parser.add_argument("--seconds", type=float, default=15.0, help="of intake")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of intake first, not counted")
    parser.add_argument("--layer-seconds", type=float, default=8.0, help="per layer answer")
    parser.add_argument("--concurrency", type=int, default=8, help="connections asking for layers")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per host")
    parser.add_argument("--threads", type=int, default=32)
    args = arguments(parser, SMOKE)

    url = city_url(args.scale)
    token, admin = operator_token(url), admin_token(url)
    log(f"closed {close_earlier_reports(url):,} reports earlier runs left open")
    pool = reports_pool(url, max(args.reports, 5000))
    p = plan(url)
    paths = {"buildings in a bbox (limit 1000)": f"/ogcapi/collections/buildings/items?bbox={p['bbox']}&limit=1000",
             f"buildings tile z15 {'/'.join(map(str, p['z15']))}": "/tiles/buildings/{}/{}/{}.mvt".format(*p["z15"])}
    env = {"DATABASE_URL": url, "GRIDMAP_TICK_SECONDS": "0", "FLASK_APP": "app",
           "GRIDMAP_PUBLIC_RATE": "1000000/minute",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    results = {"args": vars(args), "cpus": os.cpu_count(), "started": datetime.now().isoformat(timespec="seconds")}
    chosen = setups(args.workers, args.threads)
    with serving(chosen, env) as stop:
        for setup in chosen:
            results[setup.name] = measure(setup, args, token, admin, pool, paths)
            stop(setup)
    WORK.mkdir(exist_ok=True)
    (WORK / "hosts.json").write_text(json.dumps(results, indent=2, default=str))
    print(report(results, args, chosen))


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:,.0f}"


def _ratio(two: dict, one: dict, figure: str) -> str:
    """two ÷ one, unless either had errors (a 503 is answered faster than a layer)."""
    if two["errors"] or one["errors"]:
        return "– (errors)"
    return f"{two[figure] / max(one[figure], 1e-9):.2f}×"


def report(r: dict, args, chosen: list[Setup]) -> str:
    one, two = r["one host"], r["two hosts"]
    a, b = chosen[1].wall_ports
    [alone] = chosen[0].wall_ports
    lines = ["",
             f"## Issue 30: two app hosts behind nginx against one host — scale-{args.scale} city, "
             f"{args.walls} walls, gunicorn {args.workers}×{args.threads} per host, {r['cpus']} CPUs",
             "",
             "One shared machine: the two hosts share the cores the one host has alone; read what the "
             "front and a second host cost and that delivery holds, not what a second machine adds.",
             "",
             "| | one host | two hosts behind nginx |",
             "| --- | --- | --- |"]
    cross, same, single = two["across"][b], two["across"][a], one["across"][alone]

    def pair(x: dict) -> str:
        return f"p50 {_ms(x['p50_ms'])} ms, p99 {_ms(x['p99_ms'])} ms ({x['pairs']:,} pairs, {x['missing']} missing)"
    lines.append(f"| report → wall, reports through host A | same host: {pair(single)} | "
                 f"other host (B): {pair(cross)}; same host (A): {pair(same)} |")
    lines.append(f"| intake through the public port, {args.posters} posters | "
                 f"{one['intake']['per_second']:,.0f} reports/s ({one['intake']['errors']} errors) | "
                 f"{two['intake']['per_second']:,.0f} reports/s ({two['intake']['errors']} errors) |")
    lines.append(f"| every wall got every report | {one['intake']['every_wall_got_every_report']} | "
                 f"{two['intake']['every_wall_got_every_report']} |")
    lines.append(f"| server CPU per report (every process of the set-up) | "
                 f"{one['intake']['server_cpu_ms_per_report']:.1f} ms | {two['intake']['server_cpu_ms_per_report']:.1f} ms |")
    for name in one["layers"]:
        x, y = one["layers"][name], two["layers"][name]
        lines.append(f"| {name}, {args.concurrency} connections | {x['rps']:,.0f} req/s, p50 {x['p50_ms']:.1f} ms "
                     f"({x['errors']} errors) | {y['rps']:,.0f} req/s, p50 {y['p50_ms']:.1f} ms ({y['errors']} errors) |")
    lines += ["",
              f"Across hosts: reports through host A reached the walls on host B in p99 {_ms(cross['p99_ms'])} ms "
              f"({cross['missing']} missing)      goal p99 < 500 ms",
              f"Two hosts ÷ one: intake {_ratio(two['intake'], one['intake'], 'per_second')}, "
              + ", ".join(f"{name} {_ratio(two['layers'][name], one['layers'][name], 'rps')}" for name in one["layers"]),
              f"\n(JSON: {WORK / 'hosts.json'})"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
