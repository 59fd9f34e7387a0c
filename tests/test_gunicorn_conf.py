"""The gunicorn settings `flask serve` runs with (app/gunicorn_conf.py): each server has its own
control socket under var/, so two on one host do not take each other's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gunicorn.ctl.client import ControlClient

from app.config import ROOT
from tests.conftest import free_port


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def master_pid(control_socket: Path) -> int:
    with ControlClient(str(control_socket), timeout=5) as control:
        return control.send_command("show stats")["pid"]


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"no {path}"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def serve(tmp_path: Path, port: int, command: list[str] | None = None) -> subprocess.Popen:
    """`flask serve` (or `command`) with var/ and the OS user's home in `tmp_path`."""
    var, home = tmp_path / "var", tmp_path / "home"
    var.mkdir(exist_ok=True)
    home.mkdir(exist_ok=True)
    # gunicorn's default is one path per OS user: $XDG_RUNTIME_DIR, else ~/.gunicorn
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "DATABASE_URL")}
    env.update(HOME=str(home), GRIDMAP_VAR_DIR=str(var), FLASK_APP="app", GRIDMAP_TICK_SECONDS="0")
    return subprocess.Popen(
        command or [sys.executable, "-m", "flask", "serve", "--no-simulate", "--port", str(port),
                    "--workers", "1", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_two_servers_on_one_host_each_keep_their_own_control_socket_under_var(tmp_path):
    var, home = tmp_path / "var", tmp_path / "home"
    ports = [free_port(), free_port()]
    servers = [serve(tmp_path, port) for port in ports]
    try:
        sockets = [var / f"serve-{port}" / "gunicorn.ctl" for port in ports]
        for path in sockets:
            wait_for(path)
        for server, path in zip(servers, sockets):
            assert master_pid(path) in children(server.pid)       # each answers for itself
        assert not (home / ".gunicorn").exists()

        servers[0].send_signal(signal.SIGTERM)
        servers[0].wait(timeout=30)
        assert not sockets[0].exists()                            # it took away only its own
        assert master_pid(sockets[1]) in children(servers[1].pid)
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)


def test_a_master_upgrading_in_place_keeps_a_socket_of_its_own_when_the_old_one_exits(tmp_path):
    # gunicorn run as its own script: a master re-executed from `python -m gunicorn` (flask
    # serve) finds gunicorn's `http` package before the standard library's and cannot start
    port = free_port()
    server = serve(tmp_path, port, [
        str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "gthread", "--workers", "1",
        "--threads", "2", "--bind", f"127.0.0.1:{port}", "--config", "python:app.gunicorn_conf",
        "app:create_app()"])
    upgrades = []           # whatever the assertions say, no master is left running
    try:
        first = tmp_path / "var" / f"gunicorn-127.0.0.1-{port}.ctl"
        wait_for(first)
        old_master = master_pid(first)
        assert old_master == server.pid
        workers = set(children(old_master))
        os.kill(old_master, signal.SIGUSR2)         # a new master beside it, on the same address
        deadline = time.monotonic() + 20
        while not list((tmp_path / "var").glob(f"gunicorn-127.0.0.1-{port}-*.ctl")):
            upgrades[:] = set(children(old_master)) - workers
            assert time.monotonic() < deadline, "the new master made no control socket"
            time.sleep(0.1)
        second, = (tmp_path / "var").glob(f"gunicorn-127.0.0.1-{port}-*.ctl")
        new_master = master_pid(second)
        upgrades[:] = [new_master]
        assert new_master in children(old_master) and master_pid(first) == old_master

        os.kill(old_master, signal.SIGTERM)
        server.wait(timeout=30)
        assert not first.exists()
        assert master_pid(second) == new_master     # the old one took away only its own
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        for pid in upgrades:
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in upgrades) and time.monotonic() < deadline:
            time.sleep(0.1)
