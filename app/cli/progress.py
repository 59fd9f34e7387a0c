"""Progress for services that report (what, how many more): one line per phase, updated in
place, so a long import shows it is alive. Said in the reader's language: the label is a
Message (or a file's name), and a service's word for what it counts ("read", "stored") is
looked up as cli.progress.<word>; one the catalogue lacks (a sheet's title) is shown as it is."""
from __future__ import annotations

import sys
import time

import click

from ..messages import CATALOGUE, Message, say
from .words import language


class Progress:
    def __init__(self, label: Message | str):
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
        said_in = language()
        counts = [say("cli.progress.count", said_in, what=_word(what), count=count)
                  for what, count in self.counts.items()]
        click.echo(prefix + say("cli.progress", said_in, label=self.label, counts=counts), nl=False, err=True)
        sys.stderr.flush()


def _word(what: str) -> Message | str:
    key = f"cli.progress.{what}"
    return Message(key) if key in CATALOGUE else what
