"""The register's .xlsx files, read and written (the layout is sheets.py's).

Written with openpyxl: the template (drop-down lists for coded columns, text columns kept as
text), the import's report and the export. Read with python-calamine (the Rust calamine
reader, pandas' "calamine" engine): it reads a 100,000-row sheet about eight times faster than
openpyxl's read-only mode, which alone took most of the import's 60-second budget.

Every text written goes through csvfile.cell: openpyxl writes a string that starts with = as a
formula, and a name like =HYPERLINK(…) would run on the office's desk.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

from ... import csvfile
from ...messages import say
from . import sheets
from .sheets import SHEETS, TAGS, WORDS

HEADER_ROWS_SCANNED = 6          # the field names are looked for among a sheet's first rows
TEMPLATE_ROWS = 5000             # how far down the template's drop-down lists reach
_BOLD = Font(bold=True)
_KEYS = Font(color="808080", italic=True, size=9)
_HEAD = PatternFill("solid", fgColor="DDEBF7")


class Unreadable(Exception):
    """Not an .xlsx workbook, or a damaged one."""


@dataclass
class SheetRows:
    kind: str
    title: str
    keys: tuple[str, ...]                          # the fields the sheet has
    rows: list[tuple[int, dict]]                   # (row number as the office sees it, field → value)
    ignored: list[str] = field(default_factory=list)   # headers naming no field


@dataclass
class Book:
    sheets: dict[str, SheetRows]

    def of(self, kind: str) -> SheetRows | None:
        return self.sheets.get(kind)

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.sheets.values())


# -- reading ---------------------------------------------------------------------------------

def read(source: Path | bytes) -> Book:
    try:
        book = (CalamineWorkbook.from_filelike(io.BytesIO(source)) if isinstance(source, bytes)
                else CalamineWorkbook.from_path(str(source)))
        found = {}
        for title in book.sheet_names:
            kind = sheets.kind_of_title(title)
            if kind is None or kind in found:
                continue
            read_rows = _rows(kind, title, book.get_sheet_by_name(title).to_python(skip_empty_area=False))
            if read_rows is not None:
                found[kind] = read_rows
    except (CalamineError, OSError, ValueError) as error:
        raise Unreadable(str(error)) from error
    return Book(found)


def _rows(kind: str, title: str, table: list[list]) -> SheetRows | None:
    where = _header_row(kind, table[:HEADER_ROWS_SCANNED])
    if where is None:
        return None
    at, columns = where
    above = table[at - 1] if at > 0 else []
    keys, ignored = {}, []
    for index in range(max(len(table[at]), len(above))):
        key = columns.get(index)
        if key is not None and key not in keys.values():
            keys[index] = key
            continue
        text = next((str(row[index]).strip() for row in (table[at], above)
                     if index < len(row) and str(row[index]).strip()), "")
        if text:
            ignored.append(text)
    rows = []
    for number, cells in enumerate(table[at + 1:], start=at + 2):
        values = {key: _value(cells[index]) if index < len(cells) else None for index, key in keys.items()}
        if any(v is not None for v in values.values()):
            rows.append((number, values))
    return SheetRows(kind, title, tuple(keys.values()), rows, ignored)


def _header_row(kind: str, head: list[list]) -> tuple[int, dict[int, str]] | None:
    """The row of field names (or, failing that, of headers) and the field of each column."""
    keys = set(SHEETS[kind].keys)
    for at, cells in enumerate(head):
        named = {i: str(c).strip() for i, c in enumerate(cells) if isinstance(c, str) and c.strip() in keys}
        if len(named) >= 2:
            return at, named
    for at, cells in enumerate(head):
        named = {i: sheets.key_of_header(kind, c) for i, c in enumerate(cells) if isinstance(c, str) and c.strip()}
        named = {i: k for i, k in named.items() if k}
        if len(named) >= 2:
            return at, named
    return None


def _value(cell):
    """A cell as the import reads it: text stripped (our own formula guard taken off), whole
    numbers as int, an empty cell as None."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, str):
        text = cell.strip()
        if text[:1] == "'" and text[1:2] in csvfile.FORMULA_STARTS:
            text = text[1:]
        return text or None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return int(cell)
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


# -- writing ---------------------------------------------------------------------------------

def _saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value):
    return csvfile.cell(value)


def _head(sheet, kind: str, keys: tuple[str, ...], language: str, styled: bool) -> None:
    """The two header rows (headers, field names) and the columns' widths and formats."""
    columns = [c for c in SHEETS[kind].columns if c.key in keys]
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
    labels = [sheets.header(kind, c, language) for c in columns]
    if styled:
        heads = [WriteOnlyCell(sheet, value=text) for text in labels]
        keys = [WriteOnlyCell(sheet, value=c.key) for c in columns]
        for cell in heads:
            cell.font, cell.fill = _BOLD, _HEAD
        for cell in keys:
            cell.font = _KEYS
        sheet.append(heads)
        sheet.append(keys)
    else:
        sheet.append(labels)
        sheet.append([c.key for c in columns])


def template(language: str, buildings: list[dict]) -> bytes:
    """An empty workbook to fill in: the three sheets, the buildings the writer may register
    in (code, address, name, grid), and a guide."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, spec in SHEETS.items():
        sheet = workbook.create_sheet(spec.title(language))
        _head(sheet, kind, spec.keys, language, styled=False)
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            sheet.cell(1, index).font, sheet.cell(1, index).fill = _BOLD, _HEAD
            sheet.cell(2, index).font = _KEYS
            if column.key in WORDS:
                listed = ",".join(sheets.written(column.key, code, language) for code in WORDS[column.key])
                check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True,
                                       showErrorMessage=True, errorStyle="warning")
                check.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
                sheet.add_data_validation(check)
        sheet.freeze_panes = "A3"
    _buildings_sheet(workbook.create_sheet(sheets.say_title("buildings", language)), buildings, language)
    _guide(workbook.create_sheet(sheets.say_title("guide", language)), language)
    return _saved(workbook)


def _buildings_sheet(sheet, buildings: list[dict], language: str) -> None:
    columns = (("building", 22), ("address", 30), ("name", 24), ("grid", 18))
    sheet.append([sheets.label("buildings", key, language) for key, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(1, index).font, sheet.cell(1, index).fill = _BOLD, _HEAD
    for building in buildings:
        sheet.append([_cell(building[key]) for key, _ in columns])
    sheet.freeze_panes = "A2"


def _guide(sheet, language: str) -> None:
    sheet.column_dimensions["A"].width = 120
    lines = [say(f"register.sheet.guide.{part}", language) for part in ("rows", "building", "same", "empty", "text",
                                                                         "report")]
    for family in (*WORDS, *TAGS):
        kind = "organisation" if family in ("kind", "risk_tags") else "resident" if family != "use" else "unit"
        lines.append(say("register.sheet.guide.tags" if family in TAGS else "register.sheet.guide.words", language,
                         column=sheets.label(kind, family, language), words=sheets.words(family)))
    for line in lines:
        sheet.append([line])
    for row in sheet.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def entries(language: str, taken: str, tables: dict[str, tuple[tuple[str, ...], list[dict]]], creator: str,
            made: datetime, description: str) -> bytes:
    """A workbook of entries as the office reads them (the export): the line saying who took it,
    when and why above each sheet's headers and in the file's properties; coded values as words;
    numbers as their masks. It can be imported again as it is."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = creator
    workbook.properties.lastModifiedBy = creator
    # openpyxl writes these as UTC (W3CDTF, Z)
    workbook.properties.created = workbook.properties.modified = made.astimezone(timezone.utc).replace(tzinfo=None)
    workbook.properties.title = taken
    workbook.properties.description = description
    for kind, (keys, rows) in tables.items():
        sheet = workbook.create_sheet(SHEETS[kind].title(language))
        sheet.freeze_panes = "A4"
        line = WriteOnlyCell(sheet, value=_cell(taken))
        line.font = _BOLD
        sheet.append([line])
        _head(sheet, kind, keys, language, styled=True)
        for row in rows:
            sheet.append([_cell(row.get(key)) for key in keys])
    return _saved(workbook)


def report(language: str, made_line: str, tallies: list[dict], notes: list[str], refusals: list[dict],
           creator: str) -> bytes:
    """The import's report: a summary, then each refused row with its field and reason. The
    values in it come masked from the import (importing.Refusal)."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = workbook.properties.lastModifiedBy = creator
    summary = workbook.create_sheet(sheets.say_title("summary", language))
    summary.column_dimensions["A"].width = 16
    head = WriteOnlyCell(summary, value=_cell(made_line))
    head.font = _BOLD
    summary.append([head])
    columns = ("sheet", "read", "added", "changed", "unchanged", "refused_rows")
    summary.append([_bold(summary, say(f"register.sheet.column.{c}", language)) for c in columns])
    for tally in tallies:
        summary.append([_cell(tally["sheet"]), tally["read"], tally["added"], tally["changed"], tally["unchanged"],
                        tally["refused"]])
    for note in notes:
        summary.append([_cell(note)])
    refused = workbook.create_sheet(sheets.say_title("refused", language))
    columns = (("sheet", 12), ("row", 8), ("entry", 28), ("field", 16), ("value", 26), ("reason", 70))
    for index, (_, width) in enumerate(columns, start=1):
        refused.column_dimensions[get_column_letter(index)].width = width
    refused.freeze_panes = "A2"
    refused.append([_bold(refused, say(f"register.sheet.column.{c}", language)) for c, _ in columns])
    for refusal in refusals:
        refused.append([_cell(refusal[c]) for c, _ in columns])
    return _saved(workbook)


def _bold(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_cell(value))
    cell.font, cell.fill = _BOLD, _HEAD
    return cell
