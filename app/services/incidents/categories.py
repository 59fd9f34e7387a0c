"""Incident categories, their time limits and what the public may see of their cases are data
(gis_data/categories.csv), not code. A category's visibility is public, restricted or
private; one left empty is private (it may be about a person). Its limits count natural
minutes or, with limit_unit `working`, office-hour minutes on working days (deadlines.py); a
table without the column, or a row with it empty, counts natural minutes."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ...config import ROOT
from ...messages import Message, Said
from ...models import LIMIT_UNITS, VISIBILITIES, Category

DEFAULT_FILE = ROOT / "gis_data" / "categories.csv"
INTEGER_FIELDS = ("respond_within_min", "resolve_within_min", "duplicate_radius_m", "weight")


class BadFile(Said, ValueError):
    """A categories file that cannot be read, with the line at fault."""


def read_categories(path: Path = DEFAULT_FILE) -> list[dict]:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                for name in INTEGER_FIELDS:
                    row[name] = int(row[name])
            except (KeyError, ValueError) as error:
                raise BadFile("categories.unreadable", file=str(path), line=line, error=str(error)) from None
            row["complex"] = row["complex"].strip().lower() in ("true", "1", "yes")
            row["visibility"] = (row.get("visibility") or "private").strip()
            if row["visibility"] not in VISIBILITIES:
                raise BadFile("categories.visibility", file=str(path), line=line, known=list(VISIBILITIES),
                              value=repr(row["visibility"]))
            row["limit_unit"] = (row.get("limit_unit") or "natural").strip()
            if row["limit_unit"] not in LIMIT_UNITS:
                raise BadFile("categories.limit_unit", file=str(path), line=line,
                              problem=Message("category.limit_unit", known=list(LIMIT_UNITS), value=row["limit_unit"]))
            rows.append(row)
    return rows


def import_categories(session: Session, path: Path = DEFAULT_FILE) -> int:
    rows = read_categories(path)
    statement = insert(Category).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["code"],
        set_={c: statement.excluded[c] for c in rows[0] if c != "code"}))
    session.commit()
    return len(rows)
