"""Wall map benchmark: first load and panning of /wall in headless Chromium at --scale 10 (a
district) or 100 (a city), against the plain city map (/), drawn from the same vector tiles, in
the same run.

    make bench-wall                 (or: .venv/bin/python bench/wall.py --runs 3)
    make bench-wall SCALE=100       (a city: 6,400 grids, 66,600 buildings)

The city is the synthetic one of bench/layers.py at --scale (64 grids and 666 buildings a
street), copied into its own database with a lived-in month instead of the layers benchmark's
random incidents: `flask simulate` plays --history-hours (default 720) at --rate reports an hour
(default 100: about 72,000 a month), moving them through the loop, some going overdue. Built
once and kept (gridmap_bench_wall_scale{N}_{H}h); the month takes half an hour at scale 100.

For each page and run, a fresh browser context (cold cache) signs in and opens the page:
- first load: from navigation to the page saying it is ready (every layer and the panel
  drawn, the stream connected), and to the network going quiet;
- bytes: what came over the wire (compressed), and the number of requests;
- panning: the map pans continuously for --pan-seconds; frames drawn per second and the
  longest gap between two frames.
Goal (issue 6): the wall opens in under 3 s at scale 10 and pans smoothly.
Headless Chromium draws in software here, so frame rates are a floor, not what a wall's GPU gives.
`--smoke`: the scale-1 city, one run of each page, half a second of panning.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, WORK, arguments, database_name, ensure_city, flask_serve, free_port, log, serve  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from app import create_app, db  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.pgserver import Cluster  # noqa: E402

USERNAME, PASSWORD = "bench_wall_operator", "bench-wall-password"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def ensure_lived_in_city(cluster: Cluster, rate: float, scale: int, hours: float) -> str:
    """The synthetic city at `scale` with `hours` of simulated incidents, built once. The
    benchmark's operator is made last: a simulation stopped half-way is taken up where it was."""
    # a day's city keeps the name it always had (the smoke run's); other spans name theirs
    database = f"gridmap_bench_wall_scale{scale}" + ("" if hours == 24 else f"_{hours:g}h")
    city = database_name(scale)
    url = cluster.ensure_database(database)
    engine = create_engine(url)
    with engine.connect() as conn:
        copied = conn.execute(text("SELECT to_regclass('grid') IS NOT NULL")).scalar_one() and \
            conn.execute(text("SELECT count(*) FROM grid")).scalar_one() > 0
        lived = copied and conn.execute(text("SELECT count(*) FROM app_user WHERE username = :u"),
                                        {"u": USERNAME}).scalar_one() > 0
    engine.dispose()
    if not copied:
        city_url = ensure_city(cluster, scale)
        log(f"copying the scale-{scale} city into {database} …")
        admin = create_engine(city_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{city}"'))
        admin.dispose()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE incident, incident_event, stream_position, incident_photo, "
                              "idempotent_request CASCADE"))
        engine.dispose()
    db.upgrade(url)
    if not lived:
        log(f"simulating {hours:g} hours at {rate:g} reports an hour …")
        env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app", "GRIDMAP_TICK_SECONDS": "0"}
        subprocess.run([sys.executable, "-m", "flask", "simulate", "--rate", str(rate),
                        "--history-hours", f"{hours:g}", "--steps", "1", "--step", "0"],
                       env=env, cwd=str(ROOT), check=True)
        engine = create_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        from app.models import AppUser, Area
        from app.services.accounts import accounts
        session = db.session()
        if session.scalar(select(AppUser).where(AppUser.username == USERNAME)) is None:
            city = session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id))
            accounts.create_user(session, USERNAME, PASSWORD, "operator", scope_area_code=city.code)
            session.commit()
    return url


def open_page(browser, base: str, path: str, pan_seconds: float) -> dict:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    page.goto("about:blank")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    wire = {"bytes": 0, "requests": 0}

    def finished(event):
        wire["bytes"] += event.get("encodedDataLength", 0)
        wire["requests"] += 1
    cdp.on("Network.loadingFinished", finished)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    page.goto(f"{base}{path}")
    page.wait_for_selector("#map[data-ready='true']", timeout=120_000)
    ready_s = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    quiet_s = time.perf_counter() - started
    # where the time went: the requests that finished last before the page was ready
    timeline = page.evaluate("""() => performance.getEntriesByType('resource')
        .map((e) => ({ url: e.name.replace(location.origin, ''), start_ms: Math.round(e.startTime),
                       end_ms: Math.round(e.responseEnd), bytes: e.encodedBodySize }))
        .sort((a, b) => b.end_ms - a.end_ms).slice(0, 12)""")
    counts = page.evaluate("""() => ({
        incidents: window.gridmapWall ? window.gridmapWall.incidents.count() : null,
        canvases: document.querySelectorAll('canvas').length })""")
    pan = page.evaluate("""(seconds) => new Promise((done) => {
        const map = (window.gridmapWall || {}).map || window.gridmapMap;
        const frames = []; const until = performance.now() + seconds * 1000; let direction = 1;
        function step(now) {
            frames.push(now);
            map.panBy([8 * direction, 3 * direction], { animate: false });
            if (frames.length % 120 === 0) direction = -direction;
            if (now < until) requestAnimationFrame(step); else {
                const gaps = frames.slice(1).map((t, i) => t - frames[i]);
                done({ fps: (frames.length - 1) / seconds, worst_frame_ms: Math.max(...gaps) });
            }
        }
        requestAnimationFrame(step);
    })""", pan_seconds)
    context.close()
    return {"ready_s": ready_s, "quiet_s": quiet_s, **wire, **counts, **pan, "errors": errors,
            "last_requests": timeline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="simulated reports an hour")
    parser.add_argument("--history-hours", type=float, default=720.0, help="simulated past (a month)")
    parser.add_argument("--pan-seconds", type=float, default=3.0)
    args = arguments(parser, {"runs": 1, "rate": 30.0, "history_hours": 24.0, "pan_seconds": 0.5})

    cluster = db.embedded_cluster(load_settings())
    cluster.start()
    url = ensure_lived_in_city(cluster, args.rate, args.scale, args.history_hours)
    engine = create_engine(url)
    with engine.connect() as conn:
        open_incidents, incidents = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status NOT IN ('closed', 'rejected', 'merged')), count(*) FROM incident")).one()
    engine.dispose()
    port = free_port()
    env = {"DATABASE_URL": url, "GRIDMAP_TICK_SECONDS": "0", "FLASK_APP": "app", "GRIDMAP_SECURE_COOKIES": "0"}
    command = flask_serve(port, 2, 64)
    from playwright.sync_api import sync_playwright
    results: dict[str, list[dict]] = {"/wall": [], "/": []}
    with serve("gridmap-wall", command, env, port, "/healthz"), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        base = f"http://127.0.0.1:{port}"
        for run in range(args.runs):
            for path in results:
                log(f"run {run + 1}/{args.runs}: {path}")
                results[path].append(open_page(browser, base, path, args.pan_seconds))
        browser.close()
    WORK.mkdir(exist_ok=True)
    (WORK / f"wall-scale{args.scale}.json").write_text(json.dumps(
        {"runs": results, "args": vars(args), "open_incidents": open_incidents, "incidents": incidents}, indent=2))
    print(report(results, open_incidents, incidents, args))


def report(results: dict, open_incidents: int, incidents: int, args) -> str:
    med = lambda path, key: statistics.median(r[key] for r in results[path])   # noqa: E731
    lines = ["", f"Wall map at scale {args.scale} ({64 * args.scale:,} grids, {666 * args.scale:,} buildings; "
                 f"{incidents:,} incidents in {args.history_hours:g} h, {open_incidents:,} open); "
                 f"median of {args.runs} cold loads, 1920×1080, headless Chromium, {os.cpu_count()} CPUs",
             f"  {'page':<8}{'ready':>9}{'quiet':>9}{'bytes':>12}{'requests':>10}{'pan fps':>9}{'worst frame':>13}"]
    for path in results:
        lines.append(f"  {path:<8}{med(path, 'ready_s'):>8.2f}s{med(path, 'quiet_s'):>8.2f}s"
                     f"{med(path, 'bytes') / 1024:>10,.0f}kB{med(path, 'requests'):>10.0f}"
                     f"{med(path, 'fps'):>9.1f}{med(path, 'worst_frame_ms'):>11.0f}ms")
    lines.append(f"  /wall ÷ / : ready {med('/wall', 'ready_s') / med('/', 'ready_s'):.2f}×, "
                 f"bytes {med('/wall', 'bytes') / med('/', 'bytes'):.2f}×      goal: /wall ready < 3 s")
    errors = [e for path in results for r in results[path] for e in r["errors"]]
    if errors:
        lines.append(f"  page errors: {errors[:3]}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
