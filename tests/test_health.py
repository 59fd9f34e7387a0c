"""GET /healthz."""


def test_healthz_reports_database_postgis_and_rows_per_table(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis_version"].startswith("3.")
    assert body["migration"]
    tables = body["tables"]
    for key in ("buildings", "roads", "grids", "cameras", "areas", "workers", "incidents",
                "positions", "grid_plans", "users"):
        assert key in tables
    assert tables["buildings"] > 400 and tables["grids"] >= 10


def test_healthz_answers_503_when_the_database_is_gone():
    from app import create_app
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
