"""A change to what an account may do is announced to every process at commit (migration
0016): each drops that account's cached tokens and Basic passwords at once, instead of
letting them serve out their cache time; and what an open stream was let in with can be
asked about again, for all of a process's streams in one query."""
from __future__ import annotations

import base64
import time
import uuid
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app, db
from app.auth import identity
from app.models import AppUser
from app.services.accounts import accounts
from tests.conftest import PASSWORD, TEST_SETTINGS, serve

WITHIN = 5.0


def fresh_user(session, role="viewer", **options) -> AppUser:
    user = accounts.create_user(session, f"n_{uuid.uuid4().hex[:10]}", PASSWORD, role,
                                scope_area_code=options.pop("scope_area_code", "HEL"), **options)
    session.flush()
    return user


@pytest.fixture()
def notices(database_url):
    """What arrives on the accounts' channel, read from a connection of the test's own."""
    conn = psycopg.connect(make_url(database_url).set(drivername="postgresql")
                           .render_as_string(hide_password=False), autocommit=True)
    conn.execute(f"LISTEN {accounts.ACCOUNT_CHANNEL}")

    def heard(wait: float = 0.5) -> list[str]:
        return [n.payload for n in conn.notifies(timeout=wait, stop_after=None)]
    yield heard
    conn.close()


def test_a_change_to_what_an_account_may_do_is_announced_once_at_commit_and_bookkeeping_is_not(
        session, notices):
    user = fresh_user(session)
    token, secret = accounts.create_token(session, user, "phone")
    signed_in = accounts.open_session(session, user, "127.0.0.1")
    session.commit()
    me = str(user.id)
    assert notices() == []                       # a new account, token or session: nothing to drop

    assert accounts.resolve_token(session, secret) is not None       # writes last_used_at
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(session, user.username, "wrong")         # counts a failed login
    session.commit()
    assert session.execute(text("SELECT failed_logins FROM app_user WHERE id = :id"),
                           {"id": user.id}).scalar_one() == 1
    assert notices() == []                       # bookkeeping changes nobody's access

    accounts.revoke_token(session, token.id, accounts.Principal.of(user), False)
    session.flush()
    assert notices(0.2) == []                    # not before the commit…
    session.commit()
    assert notices() == [me]                     # …and once at it

    accounts.disable(session, user)
    session.rollback()
    assert notices() == []                       # a change undone was never made

    for change in (lambda: accounts.set_scope(session, user, None, ["HEL-X"]),
                   lambda: setattr(user, "role", "operator"),
                   lambda: setattr(user, "password_hash", accounts.hash_password("a new password")),
                   lambda: accounts.close_session(session, signed_in.token),
                   lambda: accounts.disable(session, user)):
        session.refresh(user)
        change()
        session.commit()
        assert notices() == [me]


def test_what_still_stands_is_asked_of_many_credentials_together(session):
    keeps, revoked, disabled, rescoped, expired, signed_out = (fresh_user(session) for _ in range(6))
    made = {}
    for user in (keeps, revoked, disabled, rescoped):
        row, secret = accounts.create_token(session, user, "wall")
        made[user.id] = row
    expiring, _ = accounts.create_token(session, expired, "short", timedelta(seconds=1))
    signed_in = accounts.open_session(session, signed_out, None)
    kept_session = accounts.open_session(session, keeps, None)
    session.commit()

    def token_of(user, row):
        return accounts.Credential(accounts.Principal.of(user), "token", row.token_hash)
    credentials = [token_of(u, made[u.id]) for u in (keeps, revoked, disabled, rescoped)] + [
        token_of(expired, expiring),
        accounts.Credential(accounts.Principal.of(signed_out), "session",
                            accounts.token_digest(signed_in.token)),
        accounts.Credential(accounts.Principal.of(keeps), "session", accounts.token_digest(kept_session.token)),
        accounts.Credential(accounts.Principal.of(keeps), "password")]
    assert accounts.still_standing(session, credentials) == set(credentials)

    made[revoked.id].revoked_at = accounts.now()
    accounts.disable(session, disabled)
    accounts.set_scope(session, rescoped, None, ["HEL-X"])
    accounts.close_session(session, signed_in.token)
    session.commit()
    time.sleep(1.1)                              # the short token's expiry passes
    standing = accounts.still_standing(session, credentials)
    assert standing == {credentials[0], credentials[6], credentials[7]}


@pytest.fixture(scope="module")
def other_process(database_url, app):
    """A second server on the same database: its own caches, its own hub, like another
    gunicorn worker or host. Gives (its base URL, its app)."""
    other = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS})
    for base in serve(other):
        yield base, other
    hub = other.extensions.get("gridmap.stream")
    if hub is not None:
        hub.stop()


def refused_after(request, within: float) -> float | None:
    """Repeats `request()` until it is answered 401; how long that took, or None."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if request().status_code == 401:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture()
def gis_user(app):
    with app.app_context():
        session = db.session()
        user = fresh_user(session)
        session.commit()
        return user.id, user.username


def wait_until_heard(other) -> None:
    """Gives the other process up to 10 s to hear account notices (its hub starts with its
    first cached credential): from then on it keeps a Basic password for a whole
    BASIC_CACHE_SECONDS, and only a notice can drop it sooner."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        hub = other.extensions.get("gridmap.stream")
        if hub is not None and hub.listening:
            return
        time.sleep(0.05)


def test_a_token_revoked_in_one_process_is_refused_by_another_at_once_not_when_its_cache_expires(
        client, other_process, gis_user):
    import requests
    base, _ = other_process
    made = client.post("/api/v1/tokens", json={"username": gis_user[1], "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {made['token']}"}

    def there():
        return requests.get(f"{base}/api/v1/tokens", headers=headers, timeout=5)
    assert there().status_code == 200            # now in the other process's cache
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=headers).status_code == 200
    took = refused_after(there, WITHIN)
    assert took is not None and took < identity.TOKEN_CACHE_SECONDS / 2


def test_a_changed_password_stops_working_in_every_process_within_seconds(
        client, auth, other_process, gis_user):
    import requests
    base, other = other_process
    user_id, username = gis_user
    old = basic(username, PASSWORD)

    def there():
        return requests.get(f"{base}/ogcapi/collections/grids/items?limit=1", headers=old, timeout=5)
    assert there().status_code == 200
    wait_until_heard(other)
    assert there().status_code == 200            # now cached there for a minute
    assert client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"),
                        json={"password": "a brand new password"}).status_code == 200
    assert refused_after(there, WITHIN) is not None


def test_an_account_disabled_by_the_command_is_refused_by_every_process_within_seconds(
        runner, other_process, gis_user):
    import requests
    base, other = other_process
    _, username = gis_user

    def there():
        return requests.get(f"{base}/ogcapi/collections/grids/items?limit=1",
                            headers=basic(username, PASSWORD), timeout=5)
    assert there().status_code == 200
    wait_until_heard(other)
    assert there().status_code == 200
    assert runner.invoke(args=["users", "disable", username]).exit_code == 0
    assert refused_after(there, WITHIN) is not None
