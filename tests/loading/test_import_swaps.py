"""flask import areas --level grid, when a survey renumbers: two grids that swap codes in one
file. Each place's history shows the code it had and the code it has now, from the same
moment; no code is current twice at any step (the import never fails half-way on it); and an
import that fails leaves the division, the plans and the history as they were.

The town is test_import_areas's (Hangzhou, drawn in UTM metres): two streets, three
communities, six grids with an apartment block in each."""
from __future__ import annotations

import pytest
import shapely
from sqlalchemy import text

from app import db
from app.services.planning import division_history, filing
from tests.conftest import city_app, scalar
from tests.loading.test_import_areas import (COMMUNITIES, COMMUNITY_ARGS, FRAME, GRID_ARGS, GRIDS, STREET_ARGS,
                                             STREETS, grid_rows, write)


@pytest.fixture()
def town(make_database, tmp_path, request):
    """A fresh town (one per test: each renumbers it): its app, CLI runner and file folder."""
    url = make_database(f"swaps_{request.node.name[-24:].lower()}")
    db.upgrade(url)
    app = city_app(url)
    files = {"streets": write(tmp_path / "streets.gpkg", 4549, [(c, f"街道{c}", g) for c, g in STREETS.items()],
                              ["CODE", "NAME"]),
             "communities": write(tmp_path / "communities.shp", 32651,
                                  [(c, f"社区{c}", s, g) for c, (s, g) in COMMUNITIES.items()],
                                  ["CODE", "NAME", "STREET"]),
             "grids": write(tmp_path / "grids.geojson", 4326, grid_rows(GRIDS), ["code", "name", "name_en"])}
    with app.app_context():
        session = db.session()
        for code, grid in GRIDS.items():
            middle = shapely.box(*shapely.buffer(shapely.centroid(grid), 10).bounds)
            session.execute(text("""
                INSERT INTO building (source_id, kind, households, population, geom)
                VALUES (:id, 'apartments', 150, 360, ST_Multi(ST_GeomFromText(:wkt, 4326)))"""),
                {"id": f"test:{code}", "wkt": FRAME.to_wgs84(middle).wkt})
        session.commit()
    runner = app.test_cli_runner()
    for level, args in (("streets", STREET_ARGS), ("communities", COMMUNITY_ARGS), ("grids", GRID_ARGS)):
        result = runner.invoke(args=["import", "areas", files[level], *args])
        assert result.exit_code == 0, result.output
    return app, runner, tmp_path


def swapped(a: str, b: str) -> dict:
    grids = dict(GRIDS)
    grids[a], grids[b] = GRIDS[b], GRIDS[a]
    return grids


def place(code: str) -> tuple[float, float]:
    """The middle of the grid drawn as `code` in the first survey (its apartment block)."""
    return FRAME.to_wgs84(shapely.centroid(GRIDS[code])).coords[0]


def history(app, code: str) -> list[str]:
    """The codes of the grids that held the place drawn as `code`, oldest first."""
    with app.app_context():
        session = db.session()
        try:
            return [h["grid"] for h in division_history.timeline(session, *place(code))]
        finally:
            session.rollback()


def counts(app) -> tuple:
    with app.app_context():
        session = db.session()
        try:
            return tuple(session.execute(text("""
                SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM grid WHERE valid_to IS NULL),
                       (SELECT count(*) FROM grid_plan), (SELECT count(*) FROM grid_plan_event),
                       (SELECT string_agg(code || ':' || coalesce(grid_id::text, '-'), ',' ORDER BY code)
                        FROM (SELECT g.code, b.grid_id FROM building b JOIN grid g ON g.id = b.grid_id) s),
                       (SELECT string_agg(code || ST_AsText(geom), ',' ORDER BY code) FROM area)""")).one())
        finally:
            session.rollback()


@pytest.mark.parametrize("a, b", [("G111", "G112"),        # neighbours in one community
                                  ("G122", "G211")],       # in two streets: each closed by one plan, opened by the other
                         ids=["one-community", "two-streets"])
def test_two_grids_swapping_codes_each_show_the_change_in_their_history(town, a, b):
    app, runner, folder = town
    path = write(folder / "renumbered.geojson", 4326, grid_rows(swapped(a, b)), ["code", "name", "name_en"])
    result = runner.invoke(args=["import", "areas", path, *GRID_ARGS])
    assert result.exit_code == 0, result.output
    assert "2 changed" in result.output, result.output
    assert history(app, a) == [a, b] and history(app, b) == [b, a]
    with app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT code, valid_from, valid_to FROM grid WHERE code IN (:a, :b) ORDER BY code, valid_from"""),
            {"a": a, "b": b}).all()
        # each code: its old row closed and its new one opened at the same moment, one current
        for code in (a, b):
            old, new = [r for r in rows if r.code == code]
            assert old.valid_to == new.valid_from and new.valid_to is None
        # the apartment block drawn in a's place now lies in grid b, and the other way round
        holder = dict(session.execute(text("""
            SELECT b.source_id, g.code FROM building b JOIN grid g ON g.id = b.grid_id
            WHERE b.source_id IN (:sa, :sb)"""), {"sa": f"test:{a}", "sb": f"test:{b}"}).all())
        assert holder == {f"test:{a}": b, f"test:{b}": a}
        assert scalar(session, "SELECT count(*) FROM grid WHERE valid_to IS NULL") == len(GRIDS)
        session.rollback()


def test_an_import_that_fails_while_filing_leaves_everything_as_it_was(town, monkeypatch):
    """Two streets' grids renumbered across them: two plans are filed together; the second
    refuses once both plans' grids are closed and opened (the division moved under it), and
    nothing of either is left — no grid, plan, event or building's new grid."""
    app, runner, folder = town
    before = counts(app)
    assign = filing._assign_workers
    calls = []

    def second_refuses(session, plan, params):
        calls.append(plan.id)
        if len(calls) == 2:
            raise filing.DivisionMoved("plan.division_moved")
        return assign(session, plan, params)
    monkeypatch.setattr(filing, "_assign_workers", second_refuses)
    path = write(folder / "renumbered.geojson", 4326, grid_rows(swapped("G122", "G211")), ["code", "name", "name_en"])
    result = runner.invoke(args=["import", "areas", path, *GRID_ARGS])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "another plan was filed" in result.output or "另一方案已备案" in result.output, result.output
    assert len(calls) == 2
    assert counts(app) == before
    assert history(app, "G122") == ["G122"] and history(app, "G211") == ["G211"]
