"""nginx in front of `flask serve`: deploy/nginx.conf filled in for one server, under
var/serve-<port>/ (its sockets, pid and temporary files); and in front of `flask serve-hosts`'
hosts, deploy/nginx-hosts.conf filled in with their addresses."""
from __future__ import annotations

import os
import pwd
import resource
import shutil
import signal
import time
from pathlib import Path

from ..config import ROOT
from ..gunicorn_conf import SOCKET_PATH_MAX
from ..messages import Message
from .words import Refusal

TEMPLATE = ROOT / "deploy" / "nginx.conf"
HOSTS_TEMPLATE = ROOT / "deploy" / "nginx-hosts.conf"
MAX_CONNECTIONS = 65536          # per nginx worker, when the host lets it open that many files


class NoProxy(Refusal):
    """`flask serve` without nginx to put in front: said before anything starts."""


def nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        raise NoProxy(Message("cli.serve.no_nginx"))
    return found


def run_dir(var_dir: Path, port: int) -> Path:
    """Where one server's sockets live. A Unix socket's path is short: a deep var/ falls back
    to the system's temporary directory."""
    run = Path(var_dir) / f"serve-{port}"
    if len(str(run / "streams.sock").encode()) > SOCKET_PATH_MAX:
        run = Path("/tmp") / f"gridmap-serve-{os.getuid()}-{port}"
    return run


def render(run: Path, host: str, port: int, max_body: int, behind: int = 0) -> Path:
    """Writes the filled-in config into `run` and gives its path. `behind`: how many proxies
    stand in front of this nginx (GRIDMAP_PROXIES), whose X-Forwarded-* it adds to."""
    return _fill(TEMPLATE, run, host, port, max_body, _forwarded(behind))


def render_hosts(run: Path, host: str, port: int, max_body: int, hosts: list[str], behind: int = 0) -> Path:
    """The config of the nginx in front of `hosts` (host:port each), written into `run`."""
    servers = "\n".join(f"        server {upstream} max_fails=3 fail_timeout=5s;" for upstream in hosts)
    return _fill(HOSTS_TEMPLATE, run, host, port, max_body, {"@SERVERS@": servers, **_forwarded(behind)})


def _forwarded(behind: int) -> dict[str, str]:
    return {"@FORWARDED_FOR@": "$proxy_add_x_forwarded_for" if behind else "$remote_addr",
            "@FORWARDED_PROTO@": '"$http_x_forwarded_proto, $scheme"' if behind else "$scheme"}


def _fill(template: Path, run: Path, host: str, port: int, max_body: int, more: dict[str, str]) -> Path:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    as_root = os.geteuid() == 0
    # not above the hard limit, even as root: a container may refuse (seen here)
    nofile = MAX_CONNECTIONS if hard == resource.RLIM_INFINITY else min(MAX_CONNECTIONS, hard)
    names = {
        # started by root, nginx would run its workers as `nobody`, who may not reach var/
        "@USER@": f"user {pwd.getpwuid(os.getuid()).pw_name};" if as_root else "",
        "@NOFILE@": str(nofile),
        "@CONNECTIONS@": str(max(1024, nofile - 64)),
        "@RUN@": str(run),
        "@MAX_BODY@": str(max_body + 1024 * 1024),      # the app refuses bigger, in words
        "@LISTEN@": address(host, port),
        **more,
    }
    text = template.read_text()
    for name, value in names.items():
        text = text.replace(name, value)
    run.mkdir(parents=True, exist_ok=True)
    path = run / "nginx.conf"
    path.write_text(text)
    return path


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def command(run: Path, config: Path) -> list[str]:
    return [nginx(), "-p", str(run), "-c", str(config), "-e", "stderr"]


def stop_stale(run: Path) -> None:
    """An nginx left by a `flask serve` that was killed outright holds the port: it is told
    to finish (SIGQUIT) before a new one starts."""
    try:
        pid = int((run / "nginx.pid").read_text().split()[0])
        if b"nginx" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
