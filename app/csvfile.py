"""The one CSV writer every export uses (incidents, assessment, audit, patrol, cameras, plans).

A spreadsheet opening the file runs a cell that starts with =, +, - or @ as a formula (and
tab or CR lead to one too): a report's description like =HYPERLINK("http://evil","click")
would run on the operator's desk. Such a cell is written with a leading single quote, as
OWASP advises ("CSV Injection"), so it shows as the text it is. A plain number (-3.5) stays a
number. Pure Python, any layer may use it."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell(value):
    """`value` as it may safely stand in a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def table(columns: Iterable, rows: Iterable[Iterable]) -> str:
    """CSV text: a header line, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(c) for c in columns])
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()
