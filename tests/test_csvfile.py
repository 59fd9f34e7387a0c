"""The one CSV writer (app/csvfile.py): a cell a spreadsheet would run as a formula — starting
with =, +, -, @, tab or CR — is written behind a single quote, so it shows as the text it is;
a plain number stays a number. Checked through the real incidents export."""
from __future__ import annotations

import csv
import io
import uuid

import pytest

from app import csvfile

pytestmark = pytest.mark.usefixtures("users")

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_a_cell_that_a_spreadsheet_would_run_is_written_behind_a_quote():
    assert [csvfile.cell(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]
    assert [csvfile.cell(v) for v in ("-3.5", "+7", "-1e-05", "12", "a=b", "")] == \
        ["-3.5", "+7", "-1e-05", "12", "a=b", ""]
    assert [csvfile.cell(v) for v in (-3.5, 0, None, True)] == [-3.5, 0, None, True]


def test_the_incidents_export_neutralises_formulas_and_keeps_numbers(client, auth, a_grid_point):
    marker = uuid.uuid4().hex         # in each report's address, for finding them again (q=)
    lon, lat = a_grid_point
    for description in FORMULAS + ["-3.5"]:
        made = client.post("/api/v1/incidents", headers=auth("operator"), json={
            "category": "environment", "point": [lon, lat], "description": description, "address": marker})
        assert made.status_code == 201, made.get_json()
    exported = client.get(f"/api/v1/incidents?format=csv&lang=en&q={marker}", headers=auth("operator"))
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    # the loop stores a description without its leading blanks, so "\t=1+1" and "\r=1+1"
    # arrive as the formula =1+1, and are written behind the quote like the others
    assert sorted(row["description"] for row in rows) == sorted(
        ["'" + f.strip() for f in FORMULAS] + ["-3.5"])
    # numbers stay numbers
    assert all(float(row["lon"]) == pytest.approx(lon) and float(row["lat"]) == pytest.approx(lat)
               and row["escalations"] == "0" for row in rows)
