"""The input layer (app/api/input.py): a NUL character, or bytes that are not UTF-8, in the text a
request carries — its path, query string, a form field, a JSON body — gets a 400 that says so,
on every endpoint the app serves, anonymous or signed in, before any view runs. What is not
text (a photo's bytes) passes untouched."""
from __future__ import annotations

import base64
import http.client
import io
import json
import re

import pytest
from PIL import Image

from app.messages import say

pytestmark = pytest.mark.usefixtures("users")

NUL = "a\x00b"
PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# A value each part of a path takes, so that the request reaches its view; numbers name
# nothing that exists, so that a walk on a server without the input layer destroys nothing.
SAMPLES = {"fmt": "json", "collection_id": "grids", "filename": "js/app.js"}
NUMBER = "999999"
# the names the views read, in queries, forms and JSON bodies
READ = ["q", "since", "until", "code", "status", "category", "grid", "area", "worker", "next",
        "service_code", "service_request_id", "start_date", "end_date", "jurisdiction_id", "entity",
        "actor", "action", "level", "unit", "date", "from", "to", "datetime", "bbox", "username",
        "password", "name", "description", "note", "address", "role", "scope_area", "building",
        "segment", "format", "order", "crs", "email", "assignee", "community", "street", "csrf_token"]


def routes(app):
    """(rule, method) for every url rule of the app."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def path_of(rule: str, text: str | None = None) -> str:
    """The rule with a sample in each part; `text`, when given, in the first text part (or,
    for a rule without one, at its end)."""
    parts = iter([text] if text is not None else [])

    def sample(match):
        if match.group(1) == "int":
            return NUMBER
        return next(parts, SAMPLES.get(match.group(2), "x"))
    path = PARAMETER.sub(sample, rule)
    leftover = next(parts, None)
    path = path + leftover if leftover is not None else path
    return path.replace("\x00", "%00")


PLACES = {
    "path": lambda rule: dict(path=path_of(rule, NUL)),
    "query": lambda rule: dict(path=path_of(rule), query_string={name: NUL for name in READ}),
    "body": lambda rule: dict(path=path_of(rule), json={name: NUL for name in READ}),
    "form": lambda rule: dict(path=path_of(rule), data={name: NUL for name in READ}),
}


def refusal(body) -> str:
    """The description of a refusal: {code, description}, or Open311's list of them."""
    if isinstance(body, list):           # GeoReport v2's error format, on /open311
        return body[0].get("description", "") if body else ""
    return (body or {}).get("description", "")


@pytest.mark.parametrize("who", ["anonymous", "admin"])
@pytest.mark.parametrize("where", sorted(PLACES))
def test_a_nul_anywhere_in_a_requests_text_is_a_400_on_every_endpoint(app, client, auth, who, where):
    headers = {} if who == "anonymous" else auth("admin")
    expected = say("input.nul", "zh", where=where)
    wrong = []
    for rule, method in routes(app):
        # not buffered: an answer that is not the refusal may be the live stream, which never ends
        response = client.open(method=method, headers=headers, buffered=False, **PLACES[where](rule))
        said = refusal(response.get_json(silent=True)) if response.status_code == 400 else ""
        response.close()
        if (response.status_code, said) != (400, expected):
            wrong.append(f"{method} {rule}: {response.status_code} {said[:80]}")
    assert wrong == []


def test_the_refusal_is_said_in_the_language_asked_for(client):
    response = client.get("/healthz", query_string={"x": NUL}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.get_json() == {"code": "InvalidParameterValue",
                                   "description": "A query parameter contains a NUL character, which is not accepted."}


def test_a_nul_written_raw_or_as_an_escape_in_json_is_refused_but_an_escaped_backslash_is_text(client):
    raw = client.post("/api/v1/tokens", data=b'{"username": "a\x00", "password": "x"}',
                      content_type="application/json")
    escaped = client.post("/api/v1/tokens", data=b'{"username": "a\\u0000", "password": "x"}',
                          content_type="application/json")
    as_a_key = client.post("/api/v1/tokens", data=b'{"a\\u0000": 1, "username": "u", "password": "x"}',
                           content_type="application/json")
    assert [r.status_code for r in (raw, escaped, as_a_key)] == [400, 400, 400]
    # the six characters \u0000 after an escaped backslash are text, not a NUL: the view answers
    text = client.post("/api/v1/tokens", data=b'{"username": "a\\\\u0000", "password": "x"}',
                       content_type="application/json")
    assert text.status_code == 401


def test_a_nul_in_a_header_a_cookie_or_basic_credentials_is_refused(app):
    basic = "Basic " + base64.b64encode(b"a\x00b:password").decode()
    with_cookie = app.test_client()
    with_cookie.set_cookie("gridmap_session", NUL)      # sent escaped: "a\000b"
    for client, headers in ((app.test_client(), {"Authorization": basic}),
                            (app.test_client(), {"X-Request-ID": NUL}), (with_cookie, {})):
        response = client.get("/ogcapi", headers=headers)
        assert response.status_code == 400, headers
        assert response.get_json()["description"] == say("input.nul", "zh", where="header")


def test_text_that_is_not_utf8_is_refused_wherever_it_is(client, auth):
    def description(response):
        return response.status_code, response.get_json()["description"]

    headers = {**auth("admin"), "Accept-Language": "en"}
    assert description(client.get("/api/v1/incidents?q=%FF", headers=headers)) == \
        (400, "A query parameter is not valid UTF-8 text.")
    assert description(client.get("/api/v1/workers/%FF/track", headers=headers)) == \
        (400, "The request path is not valid UTF-8 text.")
    assert description(client.post("/login", data=b"username=%FF&password=x", headers=headers,
                                   content_type="application/x-www-form-urlencoded")) == \
        (400, "The form is not valid UTF-8 text.")
    assert description(client.post("/api/v1/incidents", data=b'{"description": "\xff"}', headers=headers,
                                   content_type="application/json")) == \
        (400, "The request body is not valid UTF-8 text.")
    multipart = (b"--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n\xff\r\n--B--\r\n")
    assert description(client.post("/api/v1/photos", data=multipart, headers=headers,
                                   content_type="multipart/form-data; boundary=B")) == \
        (400, "The form is not valid UTF-8 text.")


def test_a_photos_bytes_are_not_text_but_its_form_fields_are(client, auth):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 0)).save(out, "PNG")
    photo = out.getvalue()
    assert b"\x00" in photo
    uploaded = client.post("/api/v1/photos", headers=auth("worker"),
                           data={"photo": (io.BytesIO(photo), "p.png"), "note": "by the gate"})
    assert uploaded.status_code == 201, uploaded.get_json()
    refused = client.post("/api/v1/photos", headers=auth("worker"),
                          data={"photo": (io.BytesIO(photo), "p.png"), "note": NUL})
    assert refused.status_code == 400
    assert refused.get_json()["description"] == say("input.nul", "zh", where="form")


def test_a_json_body_nested_deeper_than_python_reads_is_a_400(client, auth):
    response = client.post("/api/v1/incidents", data="[" * 100_000 + "]" * 100_000,
                           content_type="application/json", headers=auth("operator"))
    assert response.status_code == 400
    assert response.get_json()["description"] == say("input.too_deep", "zh", where="body")


def test_a_refused_write_changes_nothing(client, auth, session):
    def count():
        return client.get("/api/v1/incidents?limit=1", headers=auth("admin")).get_json()["numberMatched"]

    before = count()
    response = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "environment", "point": [24.94, 60.17], "description": NUL})
    assert response.status_code == 400 and count() == before


@pytest.mark.parametrize("target, body, expected", [
    ("/login?next=%00", None, "查询参数含有空字符（NUL），无法接受。"),
    ("/open311/v2/services.json?jurisdiction_id=%00", None, "查询参数含有空字符（NUL），无法接受。"),
    ("/healthz/%00", None, "请求路径含有空字符（NUL），无法接受。"),
    ("/api/v1/workers/%FF%FE/track", None, "请求路径不是有效的 UTF-8 文本。"),
    ("/api/v1/tokens", json.dumps({"username": "\x00", "password": "x"}).encode(),
     "请求内容含有空字符（NUL），无法接受。"),
])
def test_over_real_http_the_bytes_on_the_wire_are_refused(live_server, target, body, expected):
    host, port = live_server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Content-Type": "application/json"} if body else {}
    connection.request("POST" if body else "GET", target, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    assert (response.status, refusal(answer)) == (400, expected)
