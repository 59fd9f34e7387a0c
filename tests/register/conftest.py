"""The register on the test city: a building in the test worker's grid and one in another grid,
and a clean register after each test (the buildings' counts as they were)."""
import pytest
from sqlalchemy import text

from app import db


def _ids(app, users):
    with app.app_context():
        session = db.session()
        worker_id = session.execute(text("SELECT worker_id FROM app_user WHERE username = :u"),
                                    {"u": users["worker"]["username"]}).scalar_one()
        mine, grid = session.execute(text("""
            SELECT b.id, g.code FROM building b JOIN grid g ON g.id = b.grid_id AND g.valid_to IS NULL
            JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL AND a.worker_id = :w
            WHERE ST_Within(ST_PointOnSurface(b.geom), g.geom) ORDER BY b.households DESC, b.id LIMIT 1"""),
            {"w": worker_id}).one()
        theirs, other_grid = session.execute(text("""
            SELECT b.id, g.code FROM building b JOIN grid g ON g.id = b.grid_id AND g.valid_to IS NULL
            WHERE g.code <> :grid AND ST_Within(ST_PointOnSurface(b.geom), g.geom)
              AND NOT ST_Intersects(b.geom, (SELECT geom FROM grid WHERE code = :grid AND valid_to IS NULL))
            ORDER BY b.households DESC, b.id LIMIT 1"""), {"grid": grid}).one()
        return dict(mine=mine, grid=grid, theirs=theirs, other_grid=other_grid)


@pytest.fixture(scope="session")
def places(app, users):
    return _ids(app, users)


@pytest.fixture(autouse=True)
def clean_register(app, places):
    with app.app_context():
        session = db.session()
        kept = session.execute(text(
            "SELECT id, households, population, households_estimated FROM building WHERE id = ANY(:ids)"),
            {"ids": [places["mine"], places["theirs"]]}).all()
    yield
    with app.app_context():
        session = db.session()
        session.execute(text("UPDATE incident_photo SET visit_id = NULL WHERE visit_id IS NOT NULL"))
        for table in ("visit", "person_access", "register_version", "resident", "organisation", "house_unit"):
            session.execute(text(f"DELETE FROM {table}"))
        for row in kept:
            session.execute(text("UPDATE building SET households = :h, population = :p, households_estimated = :e "
                                 "WHERE id = :id"), {"h": row[1], "p": row[2], "e": row[3], "id": row[0]})
        session.commit()
