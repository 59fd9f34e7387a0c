"""Attacks a Gridmap server meets, each tried and refused: password guessing, a form posted
from another site, a forged session cookie, a revoked token, Basic credentials on a cookie
page, an oversized request — and the headers that keep the pages from being framed or
injected."""
import base64
import re
import uuid

import pytest
from sqlalchemy import text

from app import create_app, db
from app.services.accounts import accounts
from tests.conftest import PASSWORD, TEST_SETTINGS, scalar


def login_form(client):
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, username, password=PASSWORD):
    token = login_form(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/"})


@pytest.fixture()
def guessable(app):
    """A fresh account to guess at, so lock-outs do not leak into other tests."""
    with app.app_context():
        session = db.session()
        name = f"guess_{uuid.uuid4().hex[:12]}"
        accounts.create_user(session, name, PASSWORD, "viewer", scope_area_code="HEL")
        session.commit()
    return name


def test_a_correct_login_opens_a_secure_httponly_samesite_session(app, guessable):
    client = app.test_client()
    response = sign_in(client, guessable)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("gridmap_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200


def test_password_guessing_locks_the_account_and_backs_off(app, session, guessable):
    client = app.test_client()
    for _ in range(accounts.FREE_ATTEMPTS):
        assert sign_in(client, guessable, "wrong guess").status_code == 401
    # now even the right password is refused until the wait is over, and the answer says so
    locked = sign_in(client, guessable)
    assert locked.status_code == 401 and "锁定至" in locked.get_data(as_text=True)
    # one more wrong guess after the wait doubles it
    session.execute(text("UPDATE app_user SET locked_until = now() - interval '1 second' "
                         "WHERE username = :u"), {"u": guessable})
    session.commit()
    sign_in(client, guessable, "wrong again")
    wait = scalar(session, "SELECT extract(epoch FROM locked_until - now()) FROM app_user "
                           "WHERE username = :u", u=guessable)
    assert 50 < wait <= 60          # 30 s, then 60 s
    session.execute(text("UPDATE app_user SET locked_until = now() - interval '1 second' "
                         "WHERE username = :u"), {"u": guessable})
    session.commit()
    assert sign_in(client, guessable).status_code == 302
    assert scalar(session, "SELECT failed_logins FROM app_user WHERE username = :u", u=guessable) == 0


def test_token_requests_count_towards_the_lock_out_too(client, session, guessable):
    for _ in range(accounts.FREE_ATTEMPTS):
        client.post("/api/v1/tokens", json={"username": guessable, "password": "nope"})
    response = client.post("/api/v1/tokens", json={"username": guessable, "password": PASSWORD},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 401 and "locked" in response.get_json()["description"]


def test_one_address_trying_many_passwords_is_rate_limited(database_url, guessable):
    # the clock off, as in every test app: a ticking one went on marking other tests' cases
    # overdue by the real time for the rest of the session
    app = create_app({"DATABASE_URL": database_url, "incidents": TEST_SETTINGS["incidents"], "login_rate": "3/minute"})
    client = app.test_client()
    statuses = [client.post("/api/v1/tokens", json={"username": "x", "password": "y"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "wait" in client.post("/api/v1/tokens", json={},
                                 headers={"Accept-Language": "en"}).get_json()["description"]


def test_the_login_form_refuses_a_post_without_its_csrf_token(client, guessable):
    response = client.post("/login", data={"username": guessable, "password": PASSWORD})
    assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)


def test_signing_in_over_plain_http_from_another_machine_says_https_is_needed(app, guessable):
    # a browser keeps the form's Secure cookie from http://192.0.2.2: the form never "expired"
    lan = app.test_client()
    page = lan.get("/login", base_url="http://192.0.2.2:8082")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # the browser dropped the Secure cookie: it posts the form without it
    response = app.test_client().post("/login", base_url="http://192.0.2.2:8082",
                        data={"username": guessable, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400 and "HTTPS" in response.get_data(as_text=True)
    assert "GRIDMAP_SECURE_COOKIES=0" in response.get_data(as_text=True)


def test_a_cookie_signed_write_without_the_csrf_token_is_refused(app, users):
    client = app.test_client()
    sign_in(client, users["admin"]["username"])
    body = {"username": "csrf_victim", "password": "long enough pw", "role": "viewer",
            "scope_area": "HEL"}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 403 and refused.get_json()["code"] == "CSRFTokenMissing"
    page = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_a_tampered_session_cookie_signs_nobody_in(app, users):
    client = app.test_client()
    sign_in(client, users["operator"]["username"])
    real = client.get_cookie("gridmap_session").value
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    client.set_cookie("gridmap_session", forged)
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/tokens").status_code == 401


def test_a_revoked_token_is_refused(client, users):
    made = client.post("/api/v1/tokens", json={"username": users["planner"]["username"],
                                               "password": PASSWORD, "name": "laptop"})
    assert made.status_code == 201
    token = made.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/tokens", headers=headers).get_json()["tokens"]
    assert any(t["name"] == "laptop" and "token" not in t for t in listed)   # shown once only
    assert client.delete(f"/api/v1/tokens/{made.get_json()['id']}", headers=headers).status_code == 200
    refused = client.get("/api/v1/tokens", headers={**headers, "Accept-Language": "en"})
    assert refused.status_code == 401 and "revoked" in refused.get_json()["description"]


def test_nobody_revokes_another_users_token(client, users, auth):
    made = client.post("/api/v1/tokens", json={"username": users["viewer"]["username"],
                                               "password": PASSWORD}).get_json()
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=auth("planner")).status_code == 404


def test_basic_credentials_open_the_ogc_api_but_nothing_else(client, users):
    basic = {"Authorization": "Basic " + base64.b64encode(
        f"{users['viewer']['username']}:{PASSWORD}".encode()).decode()}
    assert client.get("/ogcapi/collections/grids/items?limit=1", headers=basic).status_code == 200
    refused = client.get("/api/v1/tokens", headers={**basic, "Accept-Language": "en"})
    assert refused.status_code == 401 and "only by the OGC API" in refused.get_json()["description"]
    assert client.get("/", headers=basic).status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"t_viewer:nope").decode()}
    assert client.get("/ogcapi/collections/grids/items", headers=wrong).status_code == 401


def test_pages_carry_a_strict_content_security_policy(app, users):
    client = app.test_client()
    sign_in(client, users["viewer"]["username"])
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_an_oversized_request_is_refused_before_it_is_read(client, auth):
    big = b"x" * (17 * 1024 * 1024)
    response = client.post("/api/v1/users", data=big, headers={**auth("admin"),
                                                               "Content-Type": "application/json"})
    assert response.status_code == 413 and "MB" in response.get_json()["description"]


def test_production_refuses_to_start_with_the_default_secret(database_url, monkeypatch):
    monkeypatch.setenv("GRIDMAP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})


def test_production_refuses_to_start_while_a_demo_account_keeps_its_password(database_url, app, monkeypatch):
    with app.app_context():
        session = db.session()
        if not session.scalar(text("SELECT count(*) FROM app_user WHERE username = 'viewer'")):
            accounts.create_user(session, "viewer", "demo", "viewer", scope_area_code="HEL",
                                 allow_short_password=True)
            session.commit()
    monkeypatch.setenv("GRIDMAP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(RuntimeError, match="demo password: viewer"):
        create_app({"DATABASE_URL": database_url})


def test_a_signed_in_browser_cannot_be_made_to_mint_a_token_without_the_csrf_token(app, users):
    client = app.test_client()
    sign_in(client, users["operator"]["username"])
    refused = client.post("/api/v1/tokens", json={"name": "stolen"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "CSRFTokenMissing"


def test_a_disabled_account_is_refused_at_once_even_with_a_token_in_use(client, auth, app):
    from app.services.accounts import accounts as acc
    with app.app_context():
        s = db.session()
        user = acc.create_user(s, f"leaver_{uuid.uuid4().hex[:8]}", PASSWORD, "viewer", scope_area_code="HEL")
        _, token = acc.create_token(s, user, "phone")
        s.commit()
        user_id = user.id
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tokens", headers=headers).status_code == 200     # now cached
    assert client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"), json={"active": False}).status_code == 200
    assert client.get("/api/v1/tokens", headers=headers).status_code == 401
