"""Progress for services that report (what, how many more): one line per phase, updated in
place, so a long import shows it is alive. Said in the reader's language: the label is a
Message (or a file's name), and a service's word for what it counts ("read", "stored") is
looked up as cli.progress.<word>; one the catalogue lacks (a sheet's title) is shown as it is.

A step that knows only how far along it is (pg_basebackup's percentage) has a Bar instead."""
from __future__ import annotations

import sys
import time
from typing import TextIO

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


class Bar:
    """A step's percentage, drawn in place on a terminal and erased when the step ends: what
    stays is the line the command prints next, saying what was done (a bar at 100 % above it
    says nothing more). Off a terminal (a log, a pipe) there is none."""

    WIDTH = 30

    def __init__(self, label: Message, file: TextIO | None = None):
        self.label = label
        self.file = file or sys.stderr
        self._shown: str | None = None

    def __enter__(self) -> "Bar":
        return self

    def __call__(self, percent: int) -> None:
        if not self.file.isatty():
            return
        filled = self.WIDTH * max(0, min(percent, 100)) // 100
        line = f"{self.label.say(language())}  [{'#' * filled}{'-' * (self.WIDTH - filled)}]  {percent:3d}%"
        if line != self._shown:
            self._shown = line
            self.file.write("\r" + line)
            self.file.flush()

    def __exit__(self, *_exc) -> None:
        if self._shown is not None:
            self.file.write("\r\033[K")        # back to the line's start, and the line cleared
            self.file.flush()
