"""Help pages laid out by what a terminal shows: a Chinese character takes two columns, and
click, which counts characters, would run a line of them past the edge. Lines are broken
between characters (Chinese has no spaces) or at spaces, never inside a word, a code or a path,
and never before a closing mark (，。）…), which keeps the character before it company."""
from __future__ import annotations

import re
import unicodedata

import click


class Formatter(click.HelpFormatter):
    """click's help layout; text holding Chinese is wrapped by columns (English as click does)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        wider = sum(width_of(t) - len(t) for t in (prefix or "", args))      # what click does not count
        self.width -= wider
        try:
            super().write_usage(prog, args, prefix)
        finally:
            self.width += wider

    def write_heading(self, heading: str) -> None:
        colon = "：" if has_wide(heading) else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        if not has_wide(text):
            return super().write_text(text)
        indent = " " * self.current_indent
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        self.write("\n\n".join("\n".join(indent + line for line in lines_of(p, self.width - self.current_indent))
                               for p in paragraphs) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if not any(has_wide(second) for _, second in rows):
            return super().write_dl(rows, col_max, col_spacing)
        first_col = min(max(width_of(first) for first, _ in rows), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width_of(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width_of(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = lines_of(second, text_width)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


# no line begins with these: they stay with the character before them
_CLOSING = set("，。、；：！？）」』》”’")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def has_wide(text: str | None) -> bool:
    return bool(text) and any(_wide(c) for c in text)


def width_of(text: str) -> int:
    return sum(2 if _wide(c) else 1 for c in text)


def _tokens(text: str) -> list[str]:
    """A wide character alone, a run of narrow ones (a word, a code, a path) whole, a space."""
    tokens, word = [], ""
    for char in text:
        if char == " " or _wide(char):
            tokens += [word, char] if word else [char]
            word = ""
        else:
            word += char
    return tokens + [word] if word else tokens


def lines_of(text: str, width: int) -> list[str]:
    lines, line = [], []
    for token in _tokens(" ".join(text.split())):
        if not line or width_of("".join(line)) + width_of(token) <= width:
            if line or token != " ":
                line.append(token)
            continue
        carried = []
        if token in _CLOSING:       # it may not begin a line: the character before it goes down too
            while len(line) > 1 and line[-1] in _CLOSING:
                carried.insert(0, line.pop())
            if len(line) > 1:
                carried.insert(0, line.pop())
        lines.append(line)
        line = carried + ([] if token == " " else [token])
    if line or not lines:
        lines.append(line)
    return ["".join(line).rstrip() for line in lines]


def clipped(text: str, width: int) -> str:
    """`text` cut to `width` columns, "…" where it was cut."""
    if width_of(text) <= width:
        return text
    cut = ""
    for char in text:
        if width_of(cut + char) > width - 1:
            break
        cut += char
    return cut.rstrip() + "…"
