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

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import with_appcontext

from ..messages import Message
from . import proxy
from .words import Command, Refusal, echo, option

STARTUP_SECONDS = 60
PR_SET_PDEATHSIG = 1             # linux/prctl.h


@click.command("serve", cls=Command, help=Message("cli.help.serve"))
@option("--host", default="127.0.0.1", show_default=True, help=Message("cli.help.serve.host"))
@option("--port", type=int, default=None, help=Message("cli.help.serve.port"))
@option("--workers", default=2, show_default=True, help=Message("cli.help.serve.workers"))
@option("--threads", default=32, show_default=True, help=Message("cli.help.serve.threads"))
@option("--proxy/--no-proxy", "use_proxy", default=True, show_default=True, help=Message("cli.help.serve.proxy"))
@option("--simulate/--no-simulate", default=True, show_default=True, help=Message("cli.help.serve.simulate"))
@with_appcontext
def serve(host: str, port: int | None, workers: int, threads: int, use_proxy: bool, simulate: bool):
    settings = current_app.config["GRIDMAP"]
    port = port or settings.port
    flask = [sys.executable, "-m", "flask"]
    children = Children()
    run: Path | None = None

    def stop(_signum, _frame):
        raise SystemExit(0)         # a service manager's SIGTERM stops the children too
    signal.signal(signal.SIGTERM, stop)
    try:
        if use_proxy:
            proxy.nginx()             # said before anything starts
            run = proxy.run_dir(settings.var_dir, port)
            run.mkdir(parents=True, exist_ok=True)
            proxy.stop_stale(run)
            app_sock, streams_sock = run / "app.sock", run / "streams.sock"
            for stale in (app_sock, streams_sock):
                stale.unlink(missing_ok=True)
            # the client's address is nginx's word, and through it that of the proxies in front
            # (GRIDMAP_PROXIES given to `flask serve`: `flask serve-hosts` says 1)
            env = {**os.environ, "GRIDMAP_PROXIES": str(settings.proxies + 1)}
            children.start("gunicorn", _gunicorn(f"unix:{app_sock}", workers, threads), env=env)
            children.start("stream server", flask + ["serve-streams", "--uds", str(streams_sock)], env=env)
            _wait_for_sockets(children, [app_sock, streams_sock])
            config = proxy.render(run, host, port, settings.max_request_bytes, behind=settings.proxies)
            # in a session of its own: a terminal's Ctrl-C reaches the servers, which end
            # their streams, and not nginx, which would drop them mid-chunk; it goes last
            children.start("nginx", proxy.command(run, config), start_new_session=True)
        else:
            children.start("stream server", flask + ["serve-streams", "--host", host, "--port", str(port)])
        if simulate:
            children.start("simulator", flask + ["simulate"])
        children.watch()
    except KeyboardInterrupt:
        pass
    finally:
        children.stop()
        if run is not None:
            shutil.rmtree(run, ignore_errors=True)       # its config, sockets and nginx's temporary files


class Children:
    """The servers `flask serve` runs, each started again when it dies unasked (a crash, an
    out-of-memory kill): one part down must not take the others, and a wall, with it. Five
    deaths of one within a minute are a fault that a restart will not mend: then all stop."""

    RESTARTS, WITHIN_SECONDS = 5, 60.0

    def __init__(self):
        self.running: dict[str, subprocess.Popen] = {}
        self._how: dict[str, tuple[list[str], dict, str | None]] = {}
        self._deaths: dict[str, list[float]] = {}
        self._relays: list[threading.Thread] = []

    def start(self, name: str, command: list[str], label: str | None = None, **options) -> None:
        """`label`: every line the child writes is passed on with it in front (`flask
        serve-hosts` names each host's lines by its port)."""
        # a flask serve killed outright (SIGKILL) takes its parts with it: the kernel tells
        # each to finish, nginx gracefully; an nginx left behind would hold the port
        options["preexec_fn"] = _ending_with_parent(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        self._how[name] = (command, options, label)
        self._spawn(name)

    def _spawn(self, name: str) -> None:
        command, options, label = self._how[name]
        if label is None:
            self.running[name] = subprocess.Popen(command, **options)
            return
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)
        for source, sink in ((child.stdout, sys.stdout), (child.stderr, sys.stderr)):
            relay = threading.Thread(target=_relay, args=(source, sink.buffer, f"{label} | ".encode()),
                                     name=f"{name} output", daemon=True)
            relay.start()
            self._relays.append(relay)
        self.running[name] = child

    def died(self) -> list[str]:
        return [name for name, child in self.running.items() if child.poll() is not None]

    def watch(self) -> None:
        while True:
            time.sleep(0.5)
            for name in self.died():
                code = self.running[name].returncode
                deaths = [t for t in self._deaths.get(name, []) if t > time.monotonic() - self.WITHIN_SECONDS]
                deaths.append(time.monotonic())
                self._deaths[name] = deaths
                if len(deaths) >= self.RESTARTS:
                    raise Refusal(Message("cli.serve.gave_up", name=_part(name), count=len(deaths),
                                          seconds=self.WITHIN_SECONDS, code=code))
                echo("cli.serve.restarting", name=_part(name), code=code, err=True)
                self._spawn(name)

    # The simulator first, so that nothing is written while the rest goes. Then the stream
    # server and nginx, together: the stream server ends every stream as a whole HTTP body and
    # nginx passes the ends on while it finishes what is under way (SIGQUIT), ordinary requests
    # still answered by gunicorn. Then gunicorn, which nginx no longer holds keep-alive
    # connections to.
    STOP_ORDER = ([("simulator", signal.SIGINT)],
                  [("stream server", signal.SIGTERM), ("nginx", signal.SIGQUIT)],
                  [("gunicorn", signal.SIGTERM)])

    def stop(self, order: tuple[list[tuple[str, int]], ...] = STOP_ORDER) -> None:
        """Each group of (name, signal) told together, and waited for, in `order`."""
        for group in order:
            live = [(self.running[n], sig) for n, sig in group if n in self.running
                    and self.running[n].poll() is None]
            for child, sig in live:
                child.send_signal(sig)
            _reap([child for child, _ in live])
        for relay in self._relays:          # the children's last lines, passed on before we go
            relay.join(timeout=2)


PARTS = {"gunicorn": "gunicorn", "stream server": "streams", "nginx": "nginx", "simulator": "simulator"}


def _part(name: str) -> Message:
    if name.startswith("host "):                  # `flask serve-hosts`' hosts, by port
        return Message("cli.serve.part.host", port=name.split()[1])
    return Message(f"cli.serve.part.{PARTS[name]}")


_WRITING = threading.Lock()         # one whole line at a time, whichever child wrote it


def _relay(source: BinaryIO, sink: BinaryIO, label: bytes) -> None:
    """Each line from `source` to `sink` with `label` in front, until the child (and every
    process it started, which writes there too) has closed it."""
    with source:
        for line in iter(source.readline, b""):
            with _WRITING:
                sink.write(label + (line if line.endswith(b"\n") else line + b"\n"))
                sink.flush()


def _ending_with_parent(sig: int):
    def arrange() -> None:           # in the child, before it runs the command
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
        # a shell starting `make run &` ignores SIGINT in what it starts, and the ignoring is
        # inherited: the simulator never heard its stop and was killed 10 s later
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    return arrange


def _gunicorn(bind: str, workers: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--bind", bind, "--graceful-timeout", "5",
            "--access-logfile", "-", "--config", "python:app.gunicorn_conf", "app:create_app()"]


def _wait_for_sockets(children: Children, paths: list[Path]) -> None:
    """nginx starts once what it forwards to answers: before, a request would get a 502."""
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(paths)
    while waiting:
        if children.died():
            raise Refusal(Message("cli.serve.died_starting", names=[_part(name) for name in children.died()]))
        if time.monotonic() > deadline:
            raise Refusal(Message("cli.serve.slow_start", names=[p.name for p in waiting], seconds=STARTUP_SECONDS))
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(waiting[0]))
                waiting.pop(0)
                continue
            except OSError:
                pass
        time.sleep(0.1)


def _reap(children: list[subprocess.Popen]) -> None:
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command("serve-streams", cls=Command, help=Message("cli.help.serve_streams"))
@option("--uds", default=None, help=Message("cli.help.serve_streams.uds"))
@option("--host", default="127.0.0.1", show_default=True, help=Message("cli.help.serve.host"))
@option("--port", type=int, default=None, help=Message("cli.help.serve.port"))
@with_appcontext
def serve_streams(uds: str | None, host: str, port: int | None):
    from .. import asgi
    app = current_app._get_current_object()
    # behind nginx on a Unix socket: the access log names the client nginx was asked by
    where = ({"uds": uds, "proxy_headers": True, "forwarded_allow_ips": "*"} if uds
             else {"host": host, "port": port or app.config["GRIDMAP"].port})
    asgi.Server(asgi.config(app, log_config=_timed_logs(), **where)).run()


def _timed_logs() -> dict:
    """uvicorn's log settings, each line with its time, as gunicorn's and nginx's have."""
    import copy

    from uvicorn.config import LOGGING_CONFIG
    settings = copy.deepcopy(LOGGING_CONFIG)
    for formatter in settings["formatters"].values():
        formatter["fmt"] = "[%(asctime)s] " + formatter["fmt"]
    # the stream server's own lines (how many streams are open, who was cut off) beside uvicorn's
    settings["loggers"]["app"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return settings
