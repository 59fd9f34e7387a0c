"""Changing the register's key (flask register rotate-key): every number, and its copies in the
versions, moves from the key being retired to the new one; afterwards the old key opens
nothing, the new one opens everything, and a number is still found by itself."""
import base64

import pytest
from sqlalchemy import text

from app import config, db
from app.services.register import protect
from tests.register.test_protection import ID, PHONE, add_household

NEW_KEY = "the-new-register-key-for-this-test-only"


def secrets(session) -> list[bytes]:
    """Every secret the register holds: the rows' and the versions' copies."""
    rows = session.execute(text("""
        SELECT id_number_secret FROM resident WHERE id_number_secret IS NOT NULL
        UNION ALL SELECT phone_secret FROM resident WHERE phone_secret IS NOT NULL""")).scalars().all()
    copies = session.execute(text("""
        SELECT data ->> 'id_number_secret' FROM register_version
        WHERE kind = 'resident' AND data ->> 'id_number_secret' IS NOT NULL""")).scalars().all()
    return [bytes(s) for s in rows] + [base64.b64decode(c) for c in copies]


def test_rotating_moves_every_number_and_its_copies_to_the_new_key(client, auth, places, app, runner, monkeypatch):
    worker = auth("worker")
    _, person = add_household(client, worker, places["mine"])
    client.patch(f"/api/v1/register/residents/{person['id']}", headers=worker,
                 json={"registration": "floating", "version": 1})       # a second version
    old_key = config.register_key()

    monkeypatch.setenv("GRIDMAP_REGISTER_KEY_PREVIOUS", old_key)
    monkeypatch.setenv("GRIDMAP_REGISTER_KEY", NEW_KEY)
    result = runner.invoke(args=["register", "rotate-key"], env={"LC_MESSAGES": "C.UTF-8"})
    assert result.exit_code == 0, result.output
    assert "numbers neither key opens were left" in result.output and "0 numbers neither" in result.output

    with app.app_context():
        held = secrets(db.session())
    assert len(held) >= 4
    for secret in held:
        assert protect.reveal(secret, NEW_KEY) in (ID, PHONE)
        with pytest.raises(protect.Unreadable):
            protect.reveal(secret, old_key)

    # the old key gone from the settings: the numbers open and are found as before
    monkeypatch.delenv("GRIDMAP_REGISTER_KEY_PREVIOUS")
    found = client.get(f"/api/v1/register/residents?q={ID}", headers=worker).get_json()
    assert [r["id"] for r in found["residents"]] == [person["id"]]
    whole = client.post(f"/api/v1/register/residents/{person['id']}/reveal", headers=worker,
                        json={"field": "phone", "reason": "换密钥后核对"})
    assert whole.status_code == 200 and whole.get_json()["value"] == PHONE

    # run again (a rotation stopped half-way is simply run again): nothing is lost
    monkeypatch.setenv("GRIDMAP_REGISTER_KEY_PREVIOUS", old_key)
    again = runner.invoke(args=["register", "rotate-key"], env={"LC_MESSAGES": "C.UTF-8"})
    assert again.exit_code == 0 and "0 numbers neither" in again.output
    with app.app_context():
        assert all(protect.reveal(s, NEW_KEY) in (ID, PHONE) for s in secrets(db.session()))


@pytest.mark.parametrize("previous, words", [(None, "GRIDMAP_REGISTER_KEY_PREVIOUS"), ("same", "nothing to rotate")])
def test_a_rotation_without_a_key_to_retire_is_refused(runner, monkeypatch, previous, words):
    if previous is None:
        monkeypatch.delenv("GRIDMAP_REGISTER_KEY_PREVIOUS", raising=False)
    else:
        monkeypatch.setenv("GRIDMAP_REGISTER_KEY_PREVIOUS", config.register_key())
    result = runner.invoke(args=["register", "rotate-key"], env={"LC_MESSAGES": "C.UTF-8"})
    assert result.exit_code != 0 and words in result.output
    chinese = runner.invoke(args=["register", "rotate-key"], env={"LC_MESSAGES": "zh_CN.UTF-8"})
    assert "GRIDMAP_REGISTER_KEY" in chinese.output and "密钥" in chinese.output
