"""Every refusal the API gives is said in the reader's language: Chinese to a browser or phone
that asks for zh-CN, English to one that asks for en, and — when a request names neither — in
the language the signed-in account chose (PATCH /api/v1/users/me), else Chinese. The codes, the
statuses and the shape of the answer stay what they were; only the words change."""
from __future__ import annotations

import re
import uuid

import pytest

from app import db
from app.services.accounts import accounts
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("users")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = {"zh": "zh-CN,zh;q=0.9,en;q=0.8", "en": "en-US,en;q=0.9"}


def said_in(language: str, text: str) -> bool:
    """Chinese text holds Chinese characters; English holds none."""
    return bool(CHINESE.search(text)) == (language == "zh")


@pytest.fixture(params=sorted(LANGUAGES))
def language(request):
    return request.param


@pytest.fixture()
def asking(auth, language):
    """Headers of a request signed in as `role` that asks for `language`."""
    return lambda role=None: {**(auth(role) if role else {}), "Accept-Language": LANGUAGES[language]}


@pytest.fixture()
def incident(client, auth, a_grid_point):
    """A fresh report, dispatched (status assigned)."""
    lon, lat = a_grid_point
    response = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "environment", "point": [lon, lat], "severity": "normal",
        "description": f"refusal test {uuid.uuid4().hex[:8]}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(client, incident, headers, **body):
    return client.post(f"/api/v1/incidents/{incident['id']}/events", json=body, headers=headers)


# -- the incident loop --------------------------------------------------------------------------

def test_an_illegal_step_of_the_loop(client, incident, asking, language):
    refused = step(client, incident, asking("operator"), action="verify")
    assert refused.status_code == 409 and refused.get_json()["code"] == "IllegalTransition"
    words = refused.get_json()["description"]
    assert said_in(language, words)
    code = incident["properties"]["code"]
    assert words.startswith({
        "zh": f"事件 {code} 当前为已派单，不能核查结案。已派单的事件可以：",
        "en": f"Incident {code} is assigned: it cannot be verified. From assigned the loop allows: "}[language])
    assert ("受理" if language == "zh" else "accept") in words


def test_a_stale_if_match(client, incident, asking, language, auth):
    version = incident["properties"]["version"]
    assert step(client, incident, auth("operator"), action="comment", note="seen").status_code == 200
    refused = step(client, incident, {**asking("operator"), "If-Match": f'"v{version}"'},
                   action="comment", note="again")
    assert refused.status_code == 412 and refused.get_json()["current_version"] == version + 1
    assert refused.headers["ETag"] == f'"v{version + 1}"'
    words = refused.get_json()["description"]
    assert said_in(language, words)
    assert ("已为您重新载入，请再确认一次" if language == "zh" else "it has been reloaded — please check") in words


def test_a_missing_note_is_said_per_field(client, incident, asking, language):
    refused = step(client, incident, asking("operator"), action="reject")
    body = refused.get_json()
    assert refused.status_code == 422 and body["code"] == "Invalid" and set(body["errors"]) == {"note"}
    assert said_in(language, body["errors"]["note"]) and said_in(language, body["description"])
    assert body["errors"]["note"] == {"zh": "请说明情况：退回必须填写说明。",
                                      "en": "Say why: reject needs a note."}[language]


def test_bad_report_fields_are_each_said(client, asking, language):
    refused = client.post("/api/v1/incidents", headers=asking("operator"), json={
        "category": "unicorns", "point": [0.0, 0.0], "description": " ", "severity": "dire"})
    errors = refused.get_json()["errors"]
    assert refused.status_code == 422 and set(errors) == {"category", "point", "description", "severity"}
    assert all(said_in(language, text) for text in errors.values())
    assert "unicorns" in errors["category"] and "environment" in errors["category"]


def test_an_incident_that_is_not_there(client, asking, language):
    refused = client.get("/api/v1/incidents/987654321", headers=asking("operator"))
    assert refused.status_code == 404 and refused.get_json()["code"] == "NotFound"
    assert refused.get_json()["description"] == {"zh": "没有编号为 987654321 的事件。",
                                                 "en": "There is no incident 987654321."}[language]


# -- who may ask ----------------------------------------------------------------------------------

def test_a_role_that_may_not(client, asking, language):
    refused = client.get("/api/v1/incidents", headers=asking("viewer"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "Forbidden"
    assert refused.get_json()["description"] == {
        "zh": "角色 viewer 无权进行此操作（incidents:read）。",
        "en": "The role 'viewer' may not do this (incidents:read)."}[language]


def test_a_request_not_signed_in(client, asking, language):
    refused = client.get("/api/v1/incidents", headers=asking())
    assert refused.status_code == 401 and refused.get_json()["code"] == "Unauthorized"
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert said_in(language, refused.get_json()["description"])
    revoked = client.get("/api/v1/incidents", headers={**asking(), "Authorization": "Bearer gm_nothing"})
    assert revoked.status_code == 401 and said_in(language, revoked.get_json()["description"])


# -- what was asked -------------------------------------------------------------------------------

def test_a_bad_parameter(client, asking, language):
    refused = client.get("/api/v1/incidents?limit=ten", headers=asking("operator"))
    body = refused.get_json()
    assert refused.status_code == 400 and body["code"] == "InvalidParameterValue" and body["parameter"] == "limit"
    assert body["description"] == {"zh": "limit 应为整数，收到的是 ten。",
                                   "en": "limit must be a whole number, got 'ten'."}[language]
    unknown = client.get("/api/v1/incidents?status=lost", headers=asking("operator"))
    assert unknown.status_code == 400 and said_in(language, unknown.get_json()["description"])


def test_an_idempotency_key_too_long_or_reused(client, asking, language, a_grid_point):
    too_long = client.post("/api/v1/incidents", json={},
                           headers={**asking("operator"), "Idempotency-Key": "k" * 201})
    assert too_long.status_code == 400 and too_long.get_json()["code"] == "InvalidParameterValue"
    assert said_in(language, too_long.get_json()["description"])
    key, (lon, lat) = str(uuid.uuid4()), a_grid_point
    body = {"category": "environment", "point": [lon, lat], "description": "once"}
    headers = {**asking("operator"), "Idempotency-Key": key}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201
    reused = client.post("/api/v1/incidents", json={**body, "description": "twice"}, headers=headers)
    assert reused.status_code == 422 and reused.get_json()["code"] == "IdempotencyKeyReused"
    assert said_in(language, reused.get_json()["description"])


def test_a_bad_positions_body(client, asking, language):
    refused = client.post("/api/v1/positions", json="fixes", headers=asking("worker"))
    assert refused.status_code == 400 and refused.get_json()["code"] == "InvalidBody"
    assert said_in(language, refused.get_json()["description"])
    empty = client.post("/api/v1/positions", json={"fixes": []}, headers=asking("worker"))
    assert empty.status_code == 422 and empty.get_json()["code"] == "NoFixes"
    assert said_in(language, empty.get_json()["description"])


def test_a_last_event_id_that_is_no_id(client, asking, language):
    refused = client.get("/api/v1/stream", headers={**asking("operator"), "Last-Event-ID": "yesterday"})
    assert refused.status_code == 400 and refused.get_json()["code"] == "InvalidParameterValue"
    words = refused.get_json()["description"]
    assert said_in(language, words) and "Last-Event-ID" in words and "yesterday" in words


def test_an_address_the_api_does_not_have_is_json(client, asking, language):
    refused = client.get("/api/v1/nothing-here", headers=asking("operator"))
    assert refused.status_code == 404 and refused.mimetype == "application/json"
    assert refused.get_json()["code"] == "NotFound" and said_in(language, refused.get_json()["description"])
    wrong_method = client.delete("/api/v1/categories", headers=asking("operator"))
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/json"
    assert "GET" in wrong_method.headers["Allow"] and said_in(language, wrong_method.get_json()["description"])


def test_a_page_that_is_not_there_stays_a_page(client):
    assert client.get("/no-such-page").mimetype == "text/html"


def test_no_refusal_repeats_a_phone_number(client, auth):
    refused = client.get("/api/v1/incidents?limit=13812345678", headers=auth("operator"))
    assert refused.status_code == 400 and "13812345678" not in refused.get_data(as_text=True)


# -- the account's own choice ---------------------------------------------------------------------

@pytest.fixture()
def chooser(app):
    """A fresh operator account (so no other test sees its choice) and its bearer token."""
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, f"lang_{uuid.uuid4().hex[:10]}", PASSWORD, "operator",
                                    scope_area_code="HEL")
        _, token = accounts.create_token(session, user, "language test")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_without_accept_language_the_accounts_own_choice_is_used_else_chinese(client, chooser):
    def not_found(**headers):
        return client.get("/api/v1/incidents/987654321", headers={**chooser, **headers}).get_json()["description"]

    assert client.get("/api/v1/users/me", headers=chooser).get_json()["language"] is None
    assert said_in("zh", not_found())                                   # no choice: Chinese
    chosen = client.patch("/api/v1/users/me", json={"language": "en"}, headers=chooser)
    assert chosen.status_code == 200 and chosen.get_json()["language"] == "en"
    assert client.get("/api/v1/users/me", headers=chooser).get_json()["language"] == "en"
    assert not_found() == "There is no incident 987654321."             # the account's choice
    assert said_in("en", not_found(**{"Accept-Language": "fr-FR"}))     # names neither zh nor en
    assert said_in("zh", not_found(**{"Accept-Language": "zh-CN"}))     # the request's own wins
    # a refusal made before the view answers (a bad parameter) follows the choice too
    assert said_in("en", client.get("/api/v1/incidents?limit=x", headers=chooser).get_json()["description"])
    assert client.patch("/api/v1/users/me", json={"language": None}, headers=chooser).status_code == 200
    assert said_in("zh", not_found())


def test_only_zh_en_or_null_may_be_chosen(client, chooser):
    refused = client.patch("/api/v1/users/me", json={"language": "fr"}, headers=chooser)
    body = refused.get_json()
    assert refused.status_code == 400 and body["code"] == "InvalidParameterValue" and body["parameter"] == "language"
    assert body["description"] == "language 取 zh、en 或 null，收到的是 fr。"
    assert client.patch("/api/v1/users/me", data="zh", headers=chooser).status_code == 400
    assert client.get("/api/v1/users/me", headers=chooser).get_json()["language"] is None
