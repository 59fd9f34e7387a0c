"""Every flask command against a database that is not there, or not migrated, says in one
sentence what to run (app/cli/__init__.py), instead of a traceback from its first query."""
import os

import pytest

from app import create_app, db
from tests.conftest import HELSINKI, TEST_SETTINGS

COMMANDS = [["import", "osm", str(HELSINKI)], ["import", "categories"], ["generate", "areas"],
            ["import", "areas", str(HELSINKI), "--level", "street", "--code-field", "c", "--name-field", "n"],
            ["users", "list"], ["incidents", "tick"], ["serve", "--no-proxy"]]


def said(url: str, args: list[str]) -> str:
    result = create_app({"DATABASE_URL": url, **TEST_SETTINGS}).test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.count("\n") == 1, result.output
    return result.output


@pytest.mark.parametrize("args", COMMANDS + [["db", "upgrade"], ["setup-demo"]])
def test_a_database_that_does_not_exist_is_named_with_how_to_create_it(cluster, args):
    name = f"gridmap_test_{os.getpid()}_never_made"
    cluster.drop_database(name)
    output = said(cluster.url(name), args)
    assert f"Error: The database {name} does not exist" in output and "createdb" in output
    assert "flask --app app db upgrade" in output


@pytest.mark.parametrize("args", COMMANDS)
def test_a_database_without_the_schema_is_told_to_migrate(make_database, args):
    url = make_database("unmigrated")
    output = said(url, args)
    assert output.startswith("Error: The database gridmap_test_") and \
        "has no schema yet: run `flask --app app db upgrade` first." in output


def test_a_database_behind_the_code_is_told_to_migrate(make_database):
    url = make_database("behind")
    db.upgrade(url, "0001")
    assert "is at migration 0001, not this code's" in said(url, ["users", "list"])
    assert create_app({"DATABASE_URL": url, **TEST_SETTINGS}).test_cli_runner().invoke(
        args=["db", "upgrade"]).exit_code == 0


def test_a_database_that_is_down_stops_a_command_but_not_a_server():
    """A server rides out an outage (503 until the database is back); an import cannot."""
    import click

    from app.cli import check_database
    app = create_app({"DATABASE_URL": "postgresql+psycopg://gridmap:x@127.0.0.1:1/gridmap", **TEST_SETTINGS})
    assert "cannot be reached (refused)" in said(app.config["GRIDMAP"].database_url, ["users", "list"])
    with app.app_context():
        check_database(outage=True)
        with pytest.raises(click.ClickException):
            check_database()
