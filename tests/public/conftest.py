"""Fixtures for the residents' side: a place inside a grid, a photo, a report filed through
the public API as a phone sends it, and an operator's hands to move it through the loop."""
from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import text

from app import db

def a_phone() -> str:
    """A mobile number no other test uses (one contact may report five times a day)."""
    return f"139{uuid.uuid4().int % 10 ** 8:08d}"


def jpeg(width: int = 64, height: int = 48, colour=(200, 30, 30)) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def places(app):
    """Points inside current grids with a full-time worker (each test module its own), and
    a building with an address."""
    with app.app_context():
        session = db.session()
        points = session.execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM grid g WHERE g.valid_to IS NULL AND EXISTS (
                SELECT 1 FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
                WHERE a.grid_id = g.id AND a.valid_to IS NULL AND w.role = 'full_time')
            ORDER BY g.code""")).all()
        building = session.execute(text("""
            SELECT b.address, ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom))
            FROM building b WHERE b.address IS NOT NULL AND b.grid_id IS NOT NULL
              AND (SELECT count(*) FROM building o WHERE lower(replace(o.address, ' ', '')) = lower(replace(b.address, ' ', ''))) = 1
            ORDER BY b.id LIMIT 1""")).one()
    return {"grids": [(code, lon, lat) for code, lon, lat in points], "building": building}


def report_form(lon, lat, /, **extra) -> dict:
    form = {"category": "road_damage", "description": f"路面塌了一个坑 {uuid.uuid4().hex[:6]}",
            "lon": None if lon is None else f"{lon:.7f}", "lat": None if lat is None else f"{lat:.7f}"}
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


def file_report(client, lon, lat, /, photos=(), headers=None, expect=201, **extra):
    data = report_form(lon, lat, **extra)
    if photos:
        data["photos"] = [(io.BytesIO(p), f"photo-{n}.jpg") for n, p in enumerate(photos, start=1)]
    response = client.post("/api/v1/public/reports", data=data, headers=headers or {},
                           content_type="multipart/form-data")
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def incident_id(session, code: str) -> int:
    return session.execute(text("SELECT id FROM incident WHERE code = :c"), {"c": code}).scalar_one()


def close(client, auth, session, code: str, *, note: str = "已修补") -> int:
    """An operator takes the case out of triage and the grid's worker (here the operator, who
    may take every step) handles it; it is verified and closed."""
    ident = incident_id(session, code)
    for body in ({"action": "assign", "level": "grid"}, {"action": "accept"}, {"action": "start"},
                 {"action": "resolve", "note": note}, {"action": "verify"}):
        response = client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"), json=body)
        assert response.status_code == 200, (body, response.get_json())
    session.expire_all()
    return ident
