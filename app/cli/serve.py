"""flask serve: the production servers and, for the demo, the simulator beside them.

nginx on the public port sends live streams (/api/v1/stream) to the event-loop server
(uvicorn, app/asgi.py), which holds thousands of them on one loop, and everything else to
gunicorn. A stream costs the event-loop server memory (~13 kB), not a thread, so ordinary
requests keep gunicorn's threads to themselves however many phones and walls are open
(bench/streams.py). `--no-proxy` serves everything from the event-loop server alone, for a
machine without nginx.

gunicorn's gthread worker, not gevent: nothing is monkey-patched, so psycopg, SQLAlchemy's
pool, GEOS and the stream hub's thread behave exactly as in the tests. (gevent was tried: a
report cost the same CPU under it, 7.4 ms against 6.9.)
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import proxy

STARTUP_SECONDS = 60


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: PORT or 5000")
@click.option("--workers", default=2, show_default=True, help="gunicorn's processes (one per CPU is a good start)")
@click.option("--threads", default=32, show_default=True,
              help="threads per gunicorn process, for ordinary requests (live streams take none)")
@click.option("--proxy/--no-proxy", "use_proxy", default=True, show_default=True,
              help="nginx in front of gunicorn and the stream server; without it the stream "
                   "server serves everything")
@click.option("--simulate/--no-simulate", default=True, show_default=True,
              help="run `flask simulate` beside the server, so the demo city is alive")
@with_appcontext
def serve(host: str, port: int | None, workers: int, threads: int, use_proxy: bool, simulate: bool):
    settings = current_app.config["GRIDMAP"]
    port = port or settings.port
    flask = [sys.executable, "-m", "flask"]
    children: list[subprocess.Popen] = []

    def stop(_signum, _frame):
        raise SystemExit(0)         # a service manager's SIGTERM stops the children too
    signal.signal(signal.SIGTERM, stop)
    try:
        if use_proxy:
            try:
                proxy.nginx()             # said before anything starts
            except proxy.NoProxy as error:
                raise click.ClickException(str(error)) from None
            run = proxy.run_dir(settings.var_dir, port)
            run.mkdir(parents=True, exist_ok=True)
            app_sock, streams_sock = run / "app.sock", run / "streams.sock"
            for stale in (app_sock, streams_sock):
                stale.unlink(missing_ok=True)
            env = {**os.environ, "GRIDMAP_PROXIES": "1"}      # the client's address is nginx's word
            children.append(subprocess.Popen(_gunicorn(f"unix:{app_sock}", workers, threads), env=env))
            children.append(subprocess.Popen(flask + ["serve-streams", "--uds", str(streams_sock)], env=env))
            _wait_for_sockets(children, [app_sock, streams_sock])
            config = proxy.render(run, host, port, settings.max_request_bytes)
            children.append(subprocess.Popen(proxy.command(run, config)))
        else:
            children.append(subprocess.Popen(flask + ["serve-streams", "--host", host, "--port", str(port)]))
        if simulate:
            children.append(subprocess.Popen(flask + ["simulate"]))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [c for c in children if c.poll() not in (None, 0)]
        if failed:
            raise click.ClickException(f"{_name(failed[0])} stopped (exit {failed[0].returncode}); "
                                       "the others are stopped too")
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)


def _gunicorn(bind: str, workers: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--bind", bind, "--graceful-timeout", "5",
            "--access-logfile", "-", "--config", "python:app.gunicorn_conf", "app:create_app()"]


def _wait_for_sockets(children: list[subprocess.Popen], paths: list[Path]) -> None:
    """nginx starts once what it forwards to answers: before, a request would get a 502."""
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(paths)
    while waiting:
        if any(child.poll() is not None for child in children):
            raise click.ClickException("a server stopped while starting; see its output above")
        if time.monotonic() > deadline:
            raise click.ClickException(f"{', '.join(p.name for p in waiting)} did not start in {STARTUP_SECONDS} s")
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(waiting[0]))
                waiting.pop(0)
                continue
            except OSError:
                pass
        time.sleep(0.1)


def _stop(children: list[subprocess.Popen]) -> None:
    """The servers first, nginx last: the stream server ends every stream as a whole HTTP
    body, and nginx passes the ends on before it goes (SIGQUIT: finish what is under way)."""
    servers = [c for c in children if c.poll() is None and not _is_nginx(c)]
    for child in servers:
        child.send_signal(signal.SIGTERM)
    _reap(servers)
    rest = [c for c in children if c.poll() is None]
    for child in rest:
        child.send_signal(signal.SIGQUIT if _is_nginx(child) else signal.SIGINT)
    _reap(rest)


def _is_nginx(child: subprocess.Popen) -> bool:
    return _name(child) == "nginx"


def _name(child: subprocess.Popen) -> str:
    """nginx, gunicorn, serve-streams or simulate."""
    args = child.args
    if args[0] == sys.executable:
        return args[2] if args[2] == "gunicorn" else args[3]
    return Path(args[0]).name


def _reap(children: list[subprocess.Popen]) -> None:
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command("serve-streams")
@click.option("--uds", default=None, help="a Unix socket to listen on (what nginx forwards to)")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None)
@with_appcontext
def serve_streams(uds: str | None, host: str, port: int | None):
    """The event-loop server: live streams held by one loop (and, alone, everything else)."""
    from .. import asgi
    app = current_app._get_current_object()
    # behind nginx on a Unix socket: the access log names the client nginx was asked by
    where = ({"uds": uds, "proxy_headers": True, "forwarded_allow_ips": "*"} if uds
             else {"host": host, "port": port or app.config["GRIDMAP"].port})
    asgi.Server(asgi.config(app, **where)).run()
