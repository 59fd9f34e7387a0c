"""Progress for services that report (what, how many more): one line per phase, updated in
place, so a long import shows it is alive."""
from __future__ import annotations

import sys
import time

import click


class Progress:
    def __init__(self, label: str):
        self.label = label
        self.counts: dict[str, int] = {}
        self._last = 0.0

    def __call__(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n
        now = time.monotonic()
        if now - self._last > 0.2:
            self._last = now
            self._show("\r")

    def done(self) -> None:
        self._show("\r")
        click.echo("", err=True)

    def _show(self, prefix: str) -> None:
        parts = ", ".join(f"{what} {count:,}" for what, count in self.counts.items())
        click.echo(f"{prefix}{self.label}: {parts}", nl=False, err=True)
        sys.stderr.flush()
