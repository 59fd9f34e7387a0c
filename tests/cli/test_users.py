"""flask users …: the commands an administrator runs on the server, and the demo accounts
`make run` creates and prints."""
import pytest
from sqlalchemy import text

from app import create_app, db
from tests.accounts.test_accounts import sign_in
from tests.conftest import TEST_SETTINGS, scalar


def test_create_set_role_set_scope_and_disable(runner, session, client):
    created = runner.invoke(args=["users", "create", "cli_user", "--role", "planner",
                                  "--scope-area", "HEL-01-01", "--password", "long enough pw"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(args=["users", "set-role", "cli_user", "reviewer"]).exit_code == 0
    grid = scalar(session, "SELECT code FROM grid ORDER BY code LIMIT 1")
    assert runner.invoke(args=["users", "set-scope", "cli_user", "--grids", grid]).exit_code == 0
    row = session.execute(text("SELECT role, scope_area_id, scope_grid_codes FROM app_user "
                               "WHERE username = 'cli_user'")).one()
    assert row.role == "reviewer" and row.scope_area_id is None and row.scope_grid_codes == [grid]
    token = client.post("/api/v1/tokens", json={"username": "cli_user", "password": "long enough pw"})
    assert token.status_code == 201
    assert runner.invoke(args=["users", "disable", "cli_user"]).exit_code == 0
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get("/api/v1/tokens", headers=headers).status_code == 401
    assert "cli_user" in runner.invoke(args=["users", "list"]).output


def test_a_new_password_lets_the_account_in_and_signs_out_its_sessions(runner, session, client):
    assert runner.invoke(args=["users", "create", "pw_user", "--role", "viewer", "--scope-area", "HEL",
                               "--password", "the old password"]).exit_code == 0
    signed_in = sign_in(client, "pw_user", "the old password")
    assert signed_in.status_code in (302, 303)
    assert scalar(session, "SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id "
                           "WHERE u.username = 'pw_user'") == 1
    short = runner.invoke(args=["users", "set-password", "pw_user"], input="short\nshort\n")
    assert short.exit_code != 0 and "8 characters" in short.output
    changed = runner.invoke(args=["users", "set-password", "pw_user"], input="a brand new one\na brand new one\n")
    assert changed.exit_code == 0, changed.output
    assert scalar(session, "SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id "
                           "WHERE u.username = 'pw_user'") == 0
    assert client.post("/api/v1/tokens", json={"username": "pw_user", "password": "the old password"}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "pw_user", "password": "a brand new one"}).status_code == 201


def test_mistakes_get_a_clear_message_and_change_nothing(runner, session):
    before = scalar(session, "SELECT count(*) FROM app_user")
    for args, message in [
        (["users", "create", "x1", "--role", "planner", "--password", "long enough pw"], "scope"),
        (["users", "create", "x2", "--role", "viewer", "--scope-area", "NOWHERE", "--password", "long enough pw"], "no area"),
        (["users", "create", "x3", "--role", "viewer", "--scope-area", "HEL", "--password", "short"], "8 characters"),
        (["users", "create", "x4", "--role", "worker", "--password", "long enough pw"], "--worker"),
        (["users", "set-role", "nobody", "viewer"], "no user"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert scalar(session, "SELECT count(*) FROM app_user") == before


@pytest.fixture()
def demo_rules_ended(session):
    """setup-demo loads the shipped routing rules into a city without any; this suite's city
    has none, and the tests after this one expect none: they are ended after it."""
    yield
    from app.services.incidents import routing
    session.rollback()
    session.execute(text("UPDATE routing_rule SET valid_to = now() WHERE valid_to IS NULL"))
    session.commit()
    routing.forget()


@pytest.fixture()
def demo_register_removed(session):
    """setup-demo writes made-up households into an empty register; the register tests after
    this one start from an empty one, and the buildings' counts as they were."""
    kept = session.execute(text("SELECT id, households, population, households_estimated FROM building")).all()
    session.rollback()
    yield
    session.rollback()
    session.execute(text("UPDATE incident_photo SET visit_id = NULL WHERE visit_id IS NOT NULL"))
    for table in ("visit", "person_access", "register_version", "resident", "organisation", "house_unit"):
        session.execute(text(f"DELETE FROM {table}"))
    session.execute(text("""
        UPDATE building b SET households = k.households, population = k.population,
                              households_estimated = k.estimated
        FROM unnest(:ids, :households, :population, :estimated) AS k(id, households, population, estimated)
        WHERE b.id = k.id"""), {"ids": [r[0] for r in kept], "households": [r[1] for r in kept],
                                  "population": [r[2] for r in kept], "estimated": [r[3] for r in kept]})
    session.commit()


def test_setup_demo_creates_one_account_per_role_and_prints_them(runner, session, client, demo_rules_ended,
                                                                 demo_register_removed):
    rules_before = scalar(session, "SELECT count(*) FROM routing_rule")
    in_force_before = scalar(session, "SELECT count(*) FROM routing_rule WHERE valid_to IS NULL")
    result = runner.invoke(args=["setup-demo", "--demo-accounts"])
    assert result.exit_code == 0, result.output
    for role in ("admin", "operator", "planner", "reviewer", "filer", "worker", "viewer", "department"):
        assert f"  {role}" in result.output
    # the departments and, into a city that never had any (else an admin's rules are kept), the routing rules
    assert scalar(session, "SELECT count(*) FROM department WHERE code IN ('SZ', 'CGZF', 'TJ')") == 3
    assert scalar(session, "SELECT count(*) FROM routing_rule WHERE valid_to IS NULL") == \
        (4 if rules_before == 0 else in_force_before)
    assert "password: demo" in result.output
    assert client.post("/api/v1/tokens", json={"username": "operator", "password": "demo"}).status_code == 201
    # the demo worker is the full-time worker of one grid
    assert scalar(session, """
        SELECT count(*) FROM app_user u JOIN worker w ON w.id = u.worker_id
        JOIN worker_assignment a ON a.worker_id = w.id AND a.grid_id IS NOT NULL
        WHERE u.username = 'worker' AND w.role = 'full_time'""") == 1
    # and a few made-up households in the demo worker's grid, each entry with its first version
    session.rollback()
    assert "made-up households in the demo worker's grid" in result.output
    assert scalar(session, "SELECT count(*) FROM house_unit") > 0
    assert scalar(session, """SELECT count(*) FROM resident r WHERE NOT EXISTS (SELECT 1 FROM register_version v
                              WHERE v.kind = 'resident' AND v.entry_id = r.id AND v.version = 1)""") == 0
    # a second run changes nothing
    again = runner.invoke(args=["setup-demo", "--demo-accounts"])
    assert again.exit_code == 0
    assert scalar(session, "SELECT count(*) FROM app_user WHERE username = 'admin'") == 1


DEMO_ACCOUNTS = "SELECT count(*) FROM app_user WHERE username IN ('admin', 'operator', 'planner', " \
    "'reviewer', 'filer', 'worker', 'viewer')"


def demo_accounts_in(app) -> int:
    with app.app_context():
        return scalar(db.session(), DEMO_ACCOUNTS)


def test_demo_accounts_are_made_on_the_embedded_demo_database_or_when_asked_for_only(make_database):
    # a database named the way DATABASE_URL names one: someone's own
    own = create_app({"DATABASE_URL": make_database("own"), **TEST_SETTINGS})
    result = own.test_cli_runner().invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    assert "The demo city is ready." in result.output and "password: demo" not in result.output
    assert "setup-demo --demo-accounts" in result.output
    assert demo_accounts_in(own) == 0
    with own.app_context():     # the demo keeps its names, whatever the extract would call it
        assert db.session().execute(text(
            "SELECT code, name_zh FROM area WHERE level <> 'community' ORDER BY code")).all() == [
            ("HEL", "赫尔辛基"), ("HEL-01", "赫尔辛基南区"), ("HEL-01-01", "赫尔辛基中心街道")]
    asked = own.test_cli_runner().invoke(args=["setup-demo", "--demo-accounts"])
    assert asked.exit_code == 0, asked.output
    assert "password: demo" in asked.output and demo_accounts_in(own) == 7
    # the embedded database is the one DATABASE_URL leaves unnamed (database_url None); the
    # suite never touches the real one, so a database of its own stands in for it
    embedded = create_app({"DATABASE_URL": make_database("embedded"), "database_url": None, **TEST_SETTINGS})
    result = embedded.test_cli_runner().invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    assert "password: demo" in result.output and demo_accounts_in(embedded) == 7
