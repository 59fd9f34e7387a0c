"""gunicorn settings that `flask serve` (and the benchmark) pass with --config.

A worker told to stop (SIGTERM: a restart, a deploy) first ends its open live streams. They
never finish by themselves, so the worker would otherwise wait out its whole graceful
timeout; ended, the browsers reconnect at once to a live worker and replay what they missed.

Each server has its own control socket, named after the address it listens on: beside its
Unix socket under `flask serve` (`gunicornc -s var/serve-5000/gunicorn.ctl`), else
var/gunicorn-<address>.ctl (`gunicornc -s var/gunicorn-127.0.0.1-5000.ctl`). gunicorn's default is one path per OS user
($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): a second server on the host
unlinked the first one's socket and took the path, and whichever stopped first removed the
other's. A master started by USR2 (an upgrade in place) listens on the same address beside
the old one until that one exits, so its socket's name carries its pid as well.
"""
from __future__ import annotations

import logging
import re
import signal
from pathlib import Path

# gunicorn takes every module-level name that is also a setting's name as that setting:
# helpers here are named unlike any (control_socket_path, not control_socket)
SOCKET_PATH_MAX = 107       # sun_path holds 108 bytes with the terminating NUL
SENDER_STOP_SECONDS = 4.0    # within the graceful timeout `flask serve` gives (5 s)


def when_ready(server):
    # the listeners are bound by now (their real ports, even for port 0) and the control
    # socket not yet made: it is made after the first workers are forked
    path = control_socket_path(_var_dir(), [str(listener) for listener in server.LISTENERS],
                               server.pid if server.master_pid else None)
    if len(str(path).encode()) > SOCKET_PATH_MAX:
        server.log.warning("no control socket: %s is too long a path for a Unix socket", path)
        server.cfg.set("control_socket_disable", True)
    else:
        server.cfg.set("control_socket", str(path))


def control_socket_path(var_dir: Path, listeners: list[str], upgrade_pid: int | None = None) -> Path:
    """var/gunicorn-<first address>.ctl, or gunicorn.ctl beside its Unix socket: two servers
    cannot listen on the same address, but for a master upgrading another in place
    (`upgrade_pid`: its pid)."""
    if listeners and listeners[0].startswith("unix:"):
        beside = Path(listeners[0][len("unix:"):]).parent
        return beside / (f"gunicorn-{upgrade_pid}.ctl" if upgrade_pid else "gunicorn.ctl")
    address = re.sub(r"^[a-z]+:(//)?", "", listeners[0]) if listeners else "unbound"
    name = re.sub(r"[^A-Za-z0-9.]+", "-", address).strip("-")
    return Path(var_dir) / (f"gunicorn-{name}-{upgrade_pid}.ctl" if upgrade_pid else f"gunicorn-{name}.ctl")


def _var_dir() -> Path:
    from app.config import load_settings
    return load_settings().var_dir


def post_fork(server, worker):
    app_lines_as_gunicorns(worker.log)


def post_worker_init(worker):
    sender = _reporters_sender(worker)
    if sender is not None:
        sender.start()          # messages waiting for a retry go out without waiting for a request
    stop = signal.getsignal(signal.SIGTERM)

    def end_streams_then_stop(signum, frame):
        hub = getattr(worker.wsgi, "extensions", {}).get("gridmap.stream")
        if hub is not None:
            hub.end_streams()
        if callable(stop):
            stop(signum, frame)

    signal.signal(signal.SIGTERM, end_streams_then_stop)


def app_lines_as_gunicorns(glog) -> None:
    """The app's own log lines (`app.*`: a replica gone, a message sent, a round of the clock)
    through gunicorn's error log, timed and formed like gunicorn's own: with no handler of its
    own, Python wrote a warning bare (no time, no pid) and dropped the rest."""
    lines = logging.getLogger("app")
    for handler in glog.error_log.handlers:
        if handler not in lines.handlers:
            lines.addHandler(handler)
    lines.setLevel(logging.INFO)
    lines.propagate = False


def worker_exit(server, worker):
    # the message being sent is finished and marked, so it is not sent again by another process
    sender = _reporters_sender(worker)
    if sender is not None:
        sender.stop(timeout=SENDER_STOP_SECONDS)


def _reporters_sender(worker):
    return getattr(worker.wsgi, "extensions", {}).get("gridmap.notify")
