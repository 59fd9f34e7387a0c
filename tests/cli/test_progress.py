"""A step that knows how far along it is (pg_basebackup's copy, for `flask db-server replica
start` and `backup`) shows a bar on a terminal, drawn in place, and erases it when the step
ends: what stays on the screen is the line the command says next. Off a terminal, no bar."""
from __future__ import annotations

import io

from app.cli.progress import Bar
from app.messages import Message

IN_CHINESE = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_screen(written: str) -> list[str]:
    """What a terminal shows of `written`: a carriage return goes back to the line's start,
    ESC [K clears the rest of the line."""
    lines = []
    for part in written.replace("\x1b[K", "\x00").split("\n"):
        line, column = [], 0
        for char in part:
            if char == "\r":
                column = 0
            elif char == "\x00":
                del line[column:]
            else:
                line[column:column + 1] = [char]
                column += 1
        lines.append("".join(line))
    return lines


def copy(percentages, screen, monkeypatch) -> None:
    for name, value in IN_CHINESE.items():
        monkeypatch.setenv(name, value)
    with Bar(Message("cli.db_server.replica_bar"), screen) as progress:
        for done in percentages:
            progress(done)


def test_the_bar_is_drawn_in_place_on_a_terminal_in_the_readers_language(monkeypatch):
    for name, value in IN_CHINESE.items():
        monkeypatch.setenv(name, value)
    screen = Terminal()
    with Bar(Message("cli.db_server.replica_bar"), screen) as progress:
        progress(42)
        assert on_screen(screen.getvalue()) == ["复制数据库  [############------------------]   42%"]
        progress(100)
        assert on_screen(screen.getvalue()) == ["复制数据库  [##############################]  100%"]


def test_the_bar_is_gone_once_the_step_ends(monkeypatch):
    screen = Terminal()
    copy([0, 10, 55, 100], screen, monkeypatch)
    assert "\n" not in screen.getvalue()                # drawn on one line, in place
    assert on_screen(screen.getvalue()) == [""]
    screen.write("只读副本正在 127.0.0.1:5433 上运行\n")     # the command's next line stands alone
    assert on_screen(screen.getvalue()) == ["只读副本正在 127.0.0.1:5433 上运行", ""]


def test_off_a_terminal_there_is_no_bar(monkeypatch):
    log = io.StringIO()
    copy([0, 50, 100], log, monkeypatch)
    assert log.getvalue() == ""


def test_a_step_that_never_reports_leaves_nothing(monkeypatch):
    screen = Terminal()
    copy([], screen, monkeypatch)           # a replica that is there already is started, not copied
    assert screen.getvalue() == ""
