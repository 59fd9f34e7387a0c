"""Special grids (专属网格): the field carves schools, campuses, hospitals, parks, industrial
parks and markets out of the comprehensive grids as grids of their own ("设置学校专属网格").

On Helsinki, whose extract maps three schools, the university, three parks and a market hall:
- a proposed division of a city divided before its sites were kept gives each mapped school
  its own special grid, named after it in both languages, and balances the comprehensive grids on the rest
  inside the household standard; the plan check finds nothing wrong (no gap, overlap or cut
  building — household rules are not a special grid's); filed, the grids keep their site kind;
- `generate areas` carves them the same way, each with its own worker;
- the kinds table's least area is honoured when carving: raised over two of the schools,
  only the third is carved;
- a planner marks a grid special with its site kind, and back, over the API; a site kind
  not in the table, or on a comprehensive grid, is refused, naming the field."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
import shapely
from sqlalchemy import text

from app import db
from app.geo.crs import MetricFrame
from app.services.accounts.scope import Scope
from app.services.city import sites as site_kinds
from app.services.city.frame import city_utm
from app.services.planning import filing, plans, problems, proposal
from app.services.planning.plans import Actor
from tests.conftest import HELSINKI, city_app, scalar

EVERYONE = Actor("test", None, Scope(everything=True))


@pytest.fixture(scope="module")
def before_sites(make_database):
    """Helsinki divided before its sites were kept (the division has no special grid), then
    imported again, so its sites are mapped now."""
    url = make_database("special")
    db.upgrade(url)
    app = city_app(url, ["import", "categories"], ["import", "osm", str(HELSINKI)])
    with app.app_context():
        db.session().execute(text("DELETE FROM site"))
        db.session().commit()
    runner = app.test_cli_runner()
    for args in (["generate", "areas"], ["import", "osm", str(HELSINKI)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return app


def propose(app, session, street=None):
    street = street or session.execute(text("SELECT code FROM area WHERE level = 'street'")).scalar_one()
    return proposal.propose(session, street, "", EVERYONE, app.config["GRIDMAP"].grid_rules, {})


def features(session, plan_id):
    return session.execute(text("""
        SELECT f.code, f.kind, f.site_kind, f.name_zh, f.name_en, ST_AsBinary(f.geom) AS wkb,
               (SELECT coalesce(sum(b.households), 0) FROM building b
                WHERE b.geom && f.geom AND ST_Contains(f.geom, ST_PointOnSurface(b.geom))) AS households
        FROM grid_plan_feature f WHERE f.plan_id = :plan ORDER BY f.code"""), {"plan": plan_id}).all()


def schools(session):
    return session.execute(text("""
        SELECT name, ST_AsBinary(geom) AS wkb FROM site WHERE kind = 'school' ORDER BY name""")).all()


def test_the_city_divided_before_its_sites_has_no_special_grid(before_sites):
    with before_sites.app_context():
        session = db.session()
        assert scalar(session, "SELECT count(*) FROM grid WHERE kind = 'special'") == 0
        assert scalar(session, "SELECT count(*) FROM site WHERE kind = 'school'") == 3


def test_a_proposal_gives_each_mapped_school_its_own_special_grid_and_balances_the_rest(before_sites):
    rules = before_sites.config["GRIDMAP"].grid_rules
    with before_sites.app_context():
        session = db.session()
        frame = MetricFrame(city_utm(session))
        plan = propose(before_sites, session)
        planned = features(session, plan.id)
        special = [f for f in planned if f.kind == "special"]
        for school in schools(session):
            site = frame.to_metric(shapely.from_wkb(school.wkb))
            holding = [f for f in special
                       if frame.to_metric(shapely.from_wkb(f.wkb)).intersection(site).area > 0.9 * site.area]
            assert len(holding) == 1, school.name
            grid = holding[0]
            # named after the school in English; in Chinese, as it has no Chinese name, after its
            # community and its kind, with no Latin word in the Chinese interface
            assert grid.site_kind == "school" and grid.name_en == f"{school.name} Special Grid"
            assert re.fullmatch(r"\w+社区学校专属网格\d*", grid.name_zh) and not re.search("[A-Za-z]", grid.name_zh)
            # its own grid: nothing but the school's ground and the buildings on it
            assert frame.to_metric(shapely.from_wkb(grid.wkb)).area < 1.2 * site.area
        assert {f.site_kind for f in special} == {"school", "campus", "park", "market"}
        comprehensive = [f.households for f in planned if f.kind == "comprehensive"]
        assert len(comprehensive) >= 10
        assert all(rules.min_households <= h <= rules.max_households for h in comprehensive), comprehensive
        found = problems.check_loaded(session, plan, rules).check
        assert not found.blocking, [p.message_en for p in found.blocking]
        named = {g for p in found.problems if p.kind in ("households", "no_worker") for g in p.grids}
        assert not named & {f.code for f in special}
        session.rollback()


def test_the_plan_check_warns_of_each_site_no_special_grid_holds_without_blocking(before_sites):
    """Divided before its sites were kept, the city's plan holds every site inside comprehensive
    grids: each is named in a warning, in both languages, that blocks nothing; the proposal that
    carves the schools out leaves none of them warned of."""
    rules = before_sites.config["GRIDMAP"].grid_rules
    with before_sites.app_context():
        session = db.session()
        street = session.execute(text("SELECT code FROM area WHERE level = 'street'")).scalar_one()
        as_it_is = plans.start(session, street, "", EVERYONE)
        warned = [p for p in problems.check_loaded(session, as_it_is, rules).check.problems
                  if p.kind == "site_not_special"]
        assert len(warned) == scalar(session, """
            SELECT count(*) FROM site s JOIN area a ON a.code = :street
            WHERE ST_Intersects(a.geom, ST_PointOnSurface(s.geom))""", street=street) > 0
        assert not [p for p in warned if p.blocking]
        school = next(p for p in warned if p.detail["site_kind"] == "school")
        words = problems.said(school)
        assert words.zh.startswith(f"学校 {school.detail['site_zh']} 没有专属网格"), words
        assert words.en.startswith(f"School {school.detail['site_en']} has no special grid"), words
        proposed = propose(before_sites, session, street)
        left = [p for p in problems.check_loaded(session, proposed, rules).check.problems if p.kind == "site_not_special"]
        assert not [p for p in left if p.detail["site_kind"] == "school"], [problems.said(p).en for p in left]
        session.rollback()


def test_filed_the_special_grids_keep_their_site_kind_and_their_buildings(before_sites):
    with before_sites.app_context():
        session = db.session()
        plan = propose(before_sites, session)
        filing.file(session, plan, datetime.now(timezone.utc), "test")
        filed = dict(session.execute(text("""
            SELECT site_kind, count(*) FROM grid WHERE valid_to IS NULL AND kind = 'special'
            GROUP BY site_kind""")).all())
        assert filed["school"] == 3 and set(filed) == {"school", "campus", "park", "market"}
        # every building in one current grid, the market hall in its own
        assert scalar(session, "SELECT count(*) FROM building WHERE grid_id IS NULL") == 0
        assert scalar(session, """
            SELECT g.site_kind FROM building b JOIN grid g ON g.id = b.grid_id
            JOIN site s ON s.kind = 'market' AND ST_Contains(s.geom, ST_PointOnSurface(b.geom))
            LIMIT 1""") == "market"
        session.rollback()


def test_the_kinds_tables_least_area_is_honoured_when_carving(before_sites, tmp_path, monkeypatch):
    table = tmp_path / "site_kinds.csv"
    shipped = site_kinds.KINDS_FILE.read_text(encoding="utf-8").splitlines()
    # schools of 4,000 m² and more: of Helsinki's three (4,302, 3,188 and 2,248 m²) one is
    table.write_text("\n".join(line.replace(",amenity=school,2000,", ",amenity=school,4000,") for line in shipped),
                     encoding="utf-8")
    monkeypatch.setattr(site_kinds, "KINDS_FILE", table)
    with before_sites.app_context():
        session = db.session()
        plan = propose(before_sites, session)
        carved = [f.name_en for f in features(session, plan.id) if f.site_kind == "school"]
        assert len(carved) == 1 and "Kruununhaan" in carved[0], carved
        session.rollback()


def test_generate_areas_carves_every_site_as_a_special_grid_with_its_own_worker(session):
    sites = scalar(session, "SELECT count(*) FROM site")
    rows = session.execute(text("""
        SELECT g.code, g.site_kind, g.name_zh, g.name_en,
               (SELECT count(*) FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
                WHERE a.grid_id = g.id AND a.valid_to IS NULL AND w.role = 'full_time') AS workers
        FROM grid g WHERE g.valid_to IS NULL AND g.kind = 'special' ORDER BY g.code""")).all()
    assert len(rows) == sites >= 8
    assert all(r.site_kind in site_kinds.kind_codes() and r.workers == 1 for r in rows), rows
    assert all("专属网格" in r.name_zh and "Special Grid" in r.name_en for r in rows)
    # the schools' grids hold the schools' buildings
    assert scalar(session, """
        SELECT count(*) FROM building b JOIN site s ON s.kind = 'school'
          AND ST_Area(ST_Intersection(b.geom, s.geom)) > 0.5 * ST_Area(b.geom)
        JOIN grid g ON g.id = b.grid_id WHERE g.site_kind IS DISTINCT FROM 'school'""") == 0


def test_the_generated_division_with_its_special_grids_passes_the_plan_check(app, session):
    city = scalar(session, "SELECT code FROM area WHERE level = 'city'")
    from app.services.planning import plans
    plan = plans.start(session, city, "", EVERYONE)
    found = problems.check_loaded(session, plan, app.config["GRIDMAP"].grid_rules).check
    assert not found.blocking, [p.message_en for p in found.blocking]
    special = set(session.execute(text(
        "SELECT code FROM grid_plan_feature WHERE plan_id = :p AND kind = 'special'"), {"p": plan.id}).scalars())
    assert special and not {g for p in found.problems if p.kind == "households" for g in p.grids} & special
    session.rollback()


# -- the planner marks a grid special and back ------------------------------------------------

@pytest.fixture()
def api(app, users):
    client = app.test_client()

    def call(method, path, **kwargs):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {users['planner']['token']}"},
                           **kwargs)
    return call


def test_a_planner_marks_a_grid_special_with_its_site_kind_and_back(api, session):
    community = scalar(session, "SELECT code FROM area WHERE level = 'community' ORDER BY code LIMIT 1")
    plan = api("POST", "/api/v1/plans", json={"area": community}).json["id"]
    offered = api("GET", f"/api/v1/plans/{plan}").json["site_kinds"]
    assert {"code": "school", "name_zh": "学校", "name_en": "School"} in offered
    grids = {f["properties"]["code"]: f for f in api("GET", f"/ogcapi/collections/plan-{plan}/items").json["features"]}
    grid = next(f for code, f in sorted(grids.items()) if f["properties"]["kind"] == "comprehensive")

    def name(body, version):
        return api("POST", f"/api/v1/plans/{plan}/name",
                   json={"feature": grid["id"], "versions": {grid["id"]: version}, **body})

    def now():
        return api("GET", f"/ogcapi/collections/plan-{plan}/items/{grid['id']}").json["properties"]

    version = grid["properties"]["version"]
    assert name({"kind": "special", "site_kind": "school"}, version).status_code == 200
    marked = now()
    assert (marked["kind"], marked["site_kind"]) == ("special", "school")
    # a special grid is not held to the household standard
    found = api("GET", f"/api/v1/plans/{plan}/problems").json
    assert not [p for p in found["features"] if p["properties"]["kind"] == "households"
                and marked["code"] in p["properties"]["grids"]]
    assert next(g for g in found["grids"] if g["id"] == grid["id"])["kind"] == "special"
    # a kind of site the table does not name, or a site kind on a comprehensive grid: refused
    refused = name({"site_kind": "zoo"}, marked["version"])
    assert refused.status_code == 422 and "site_kind" in refused.json["errors"], refused.json
    refused = name({"kind": "comprehensive", "site_kind": "park"}, marked["version"])
    assert refused.status_code == 422 and "site_kind" in refused.json["errors"], refused.json
    assert name({"kind": "comprehensive"}, marked["version"]).status_code == 200
    back = now()
    assert (back["kind"], back["site_kind"]) == ("comprehensive", None)
    # named as it is made a park's grid: a naming that also changed the kind (taken back at once)
    # (the requests share this test's session; a name straight after the reads above lost the
    # journal's temporary table before it was read — ended first, the session starts clean)
    session.rollback()
    assert name({"kind": "special", "site_kind": "park", "name_zh": "北公园专属网格"}, back["version"]).status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/undo").status_code == 200
    # undone, it is the school's grid again
    assert api("POST", f"/api/v1/plans/{plan}/undo").status_code == 200
    assert (now()["kind"], now()["site_kind"]) == ("special", "school")
    # as a file, the site kind goes out with it
    exported = json.loads(api("GET", f"/api/v1/plans/{plan}/export?format=geojson").data)
    assert {f["properties"]["code"]: f["properties"]["site_kind"] for f in exported["features"]}[marked["code"]] == "school"
    # the record says what the grid became, each time, with the site's kind in both languages
    edits = [e["data"] for e in api("GET", f"/api/v1/plans/{plan}?record=all").json["events"] if e["action"] == "edit"]
    assert [(e["op"], e["became"]) for e in edits] == [
        ("kind", {"kind": "special", "site_kind": "school", "site_zh": "学校", "site_en": "School"}),
        ("kind", {"kind": "comprehensive"}),
        ("name", {"kind": "special", "site_kind": "park", "site_zh": "公园", "site_en": "Park"})]
