"""gunicorn settings that `flask serve` (and the benchmark) pass with --config.

A worker told to stop (SIGTERM: a restart, a deploy) first ends its open live streams. They
never finish by themselves, so the worker would otherwise wait out its whole graceful
timeout; ended, the browsers reconnect at once to a live worker and replay what they missed.
"""
from __future__ import annotations

import signal


def post_worker_init(worker):
    stop = signal.getsignal(signal.SIGTERM)

    def end_streams_then_stop(signum, frame):
        hub = getattr(worker.wsgi, "extensions", {}).get("gridmap.stream")
        if hub is not None:
            hub.end_streams()
        if callable(stop):
            stop(signum, frame)

    signal.signal(signal.SIGTERM, end_streams_then_stop)
