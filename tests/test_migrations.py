"""The schema: migrations up and down on an empty database, and the guards it installs."""
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import db
from app.models import Base


def table_names(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(make_database):
    url = make_database("migrations")
    db.upgrade(url)
    created = table_names(url)
    assert set(Base.metadata.tables) <= created
    assert db.current_revision(url) is not None

    db.downgrade(url, "base")
    assert table_names(url) <= {"alembic_version"}
    assert db.current_revision(url) is None

    db.upgrade(url)  # and up again: the downgrade left nothing behind that blocks it
    assert table_names(url) == created


def test_models_match_the_migrated_schema(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours})
        differences = [d for d in compare_metadata(context, Base.metadata) if not _is_gist_index(d)]
    engine.dispose()
    assert differences == []


def _ours(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and (name == "spatial_ref_sys" or name.startswith("position_")))


def _is_gist_index(diff):
    # GiST indexes are created in the migration beside the checks, not declared on the models.
    return diff[0] == "remove_index" and diff[1].name.endswith("_geom")


def test_every_geometry_column_is_srid_4326_with_a_gist_index(session):
    rows = session.execute(text(
        "SELECT f_table_name, srid FROM geometry_columns WHERE f_table_schema = 'public'")).all()
    assert rows and all(srid == 4326 for _, srid in rows)
    for table, _ in rows:
        assert session.execute(text(
            "SELECT count(*) FROM pg_indexes WHERE tablename = :t AND indexdef LIKE '%USING gist%'"),
            {"t": table}).scalar_one() >= 1, table


def test_invalid_geometry_is_refused(session):
    bowtie = "SRID=4326;MULTIPOLYGON(((0 0,1 1,1 0,0 1,0 0)))"
    with pytest.raises(IntegrityError, match="ck_building_geom_valid"):
        session.execute(text(
            "INSERT INTO building (source_id, geom) VALUES ('test:bowtie', ST_GeomFromEWKT(:g))"),
            {"g": bowtie})
    session.rollback()


def test_a_grid_boundary_is_history_not_overwritten(session):
    grid_id = session.execute(text("SELECT id FROM grid LIMIT 1")).scalar_one()
    with pytest.raises(DBAPIError, match="is history"):
        session.execute(text("UPDATE grid SET geom = ST_Multi(ST_Buffer(geom, 0.0001)) WHERE id = :id"),
                        {"id": grid_id})
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM grid WHERE id = :id"), {"id": grid_id})
    session.rollback()


def test_incident_history_is_append_only(session):
    session.execute(text("""
        INSERT INTO incident (code, category_code, channel, description, geom)
        VALUES ('T-1', 'environment', 'worker', 'litter', ST_SetSRID(ST_Point(24.94, 60.17), 4326))"""))
    session.execute(text("""
        INSERT INTO incident_event (incident_id, actor, action, to_status)
        SELECT id, 'tester', 'report', 'reported' FROM incident WHERE code = 'T-1'"""))
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE incident_event SET note = 'rewritten'"))
    session.rollback()


def test_positions_go_to_monthly_partitions(session):
    name = session.execute(text("SELECT gridmap_ensure_position_partition('2026-03-15T10:00Z')")).scalar_one()
    assert name == "position_2026_03"
    worker = session.execute(text("SELECT id FROM worker LIMIT 1")).scalar_one()
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, geom)
        VALUES (:w, '2026-03-15T10:00Z', ST_SetSRID(ST_Point(24.94, 60.17), 4326))"""), {"w": worker})
    stored_in = session.execute(text(
        "SELECT tableoid::regclass::text FROM position WHERE worker_id = :w "
        "AND fixed_at = '2026-03-15T10:00Z'"), {"w": worker}).scalar_one()
    assert stored_in == "position_2026_03"
    session.rollback()

