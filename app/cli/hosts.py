"""flask serve-hosts: several app hosts on this machine behind one nginx, as a city runs them
on several machines (README, "Many app hosts"; `make run-hosts HOSTS=2`).

Each host is a whole `flask serve` (its own nginx, gunicorn and stream server) on a port of its
own; the nginx in front (deploy/nginx-hosts.conf) spreads the clients over them. The hosts
share nothing but the database: each LISTENs for itself, so a report made through one reaches
the streams held by every other. What must happen once for the city does, however many hosts
run: the escalation clock's round and the sequencer hold PostgreSQL advisory locks, the
outbox's senders claim each message with SKIP LOCKED; the demo's simulator runs here, once,
not in each host.

One terminal (or journal) holds every host's lines: each is passed on with its host's port in
front (`host 5001 | …`; the nginx in front's `front 5000 | …`), and one line says when all of
them, and the nginx in front, answer.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..messages import Message
from . import proxy
from .serve import STARTUP_SECONDS, Children, _part
from .words import Command, Refusal, echo, option

HOST_ADDRESS = "127.0.0.1"          # the hosts answer the nginx in front only


@click.command("serve-hosts", cls=Command, help=Message("cli.help.serve_hosts"))
@option("--hosts", "count", default=2, show_default=True, help=Message("cli.help.serve_hosts.hosts"))
@option("--app-port", "app_ports", type=int, multiple=True, help=Message("cli.help.serve_hosts.app_port"))
@option("--host", default="127.0.0.1", show_default=True, help=Message("cli.help.serve.host"))
@option("--port", type=int, default=None, help=Message("cli.help.serve.port"))
@option("--workers", default=2, show_default=True, help=Message("cli.help.serve.workers"))
@option("--threads", default=32, show_default=True, help=Message("cli.help.serve.threads"))
@option("--simulate/--no-simulate", default=True, show_default=True, help=Message("cli.help.serve.simulate"))
@with_appcontext
def serve_hosts(count: int, app_ports: tuple[int, ...], host: str, port: int | None, workers: int, threads: int,
                simulate: bool):
    settings = current_app.config["GRIDMAP"]
    port = port or settings.port
    ports = list(app_ports) or [port + n for n in range(1, count + 1)]
    flask = [sys.executable, "-m", "flask"]
    # each host believes one more proxy than this command was told of: the nginx here
    env = {**os.environ, "GRIDMAP_PROXIES": str(settings.proxies + 1)}
    children = Children()
    names = [f"host {p}" for p in ports]
    run = proxy.run_dir(settings.var_dir, port)

    def stop(_signum, _frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    try:
        proxy.nginx()                 # said before anything starts
        run.mkdir(parents=True, exist_ok=True)
        proxy.stop_stale(run)
        for name, app_port in zip(names, ports):
            # in a session of its own: a Ctrl-C reaches this command alone, which stops the
            # hosts in order (each then ends its streams as whole bodies)
            children.start(name, flask + ["serve", "--host", HOST_ADDRESS, "--port", str(app_port),
                                          "--workers", str(workers), "--threads", str(threads), "--no-simulate"],
                           label=name, env=env, start_new_session=True)
        _wait_until_listening(children, [(name, HOST_ADDRESS, p) for name, p in zip(names, ports)])
        config = proxy.render_hosts(run, host, port, settings.max_request_bytes,
                                    [proxy.address(HOST_ADDRESS, p) for p in ports], behind=settings.proxies)
        children.start("nginx", proxy.command(run, config), label=f"front {port}", start_new_session=True)
        _wait_until_listening(children, [("nginx", _reachable(host), port)])
        echo("cli.serve_hosts.ready", front=f"http://{proxy.address(host, port)}", ports=[str(p) for p in ports])
        if simulate:
            children.start("simulator", flask + ["simulate"])
        children.watch()
    except KeyboardInterrupt:
        pass
    finally:
        # the simulator; then the nginx in front with the hosts, together: each host ends
        # its streams as whole bodies and the nginx passes the ends on while it finishes
        children.stop(([("simulator", signal.SIGINT)],
                       [("nginx", signal.SIGQUIT)] + [(name, signal.SIGTERM) for name in names]))
        shutil.rmtree(run, ignore_errors=True)         # its config, pid and temporary files


def _wait_until_listening(children: Children, listeners: list[tuple[str, str, int]]) -> None:
    """Until each (name, address, port) takes connections. The nginx in front starts once
    every host answers (a host's own nginx listens only once its servers do), and the ready
    line is said once it answers too."""
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(listeners)
    while waiting:
        if children.died():
            raise Refusal(Message("cli.serve.died_starting", names=[_part(name) for name in children.died()]))
        if time.monotonic() > deadline:
            raise Refusal(Message("cli.serve.slow_start", names=[_part(name) for name, _, _ in waiting],
                                  seconds=STARTUP_SECONDS))
        _, address, port = waiting[0]
        try:
            socket.create_connection((address, port), timeout=1).close()
            waiting.pop(0)
            continue
        except OSError:
            pass
        time.sleep(0.2)


def _reachable(host: str) -> str:
    """Where this machine reaches a server listening on `host`: the wildcard is not an address."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
