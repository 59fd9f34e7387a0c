"""The one input layer: before any view runs, the text a request carries — its path, query
string, headers (cookies and Basic credentials too), form fields and JSON body — is refused
with a 400 when it holds a NUL character or is not UTF-8. PostgreSQL can neither store nor
compare a NUL in text (psycopg raises: a 500), and text that is not UTF-8 would be read with
replacement characters and stored corrupted; no view need think of either.

Only text is checked: a multipart form's files (photos, plan files) are not searched, and
bodies of other types (GPX, a raw photo) are not read at all. A body that is checked is read
once, within MAX_CONTENT_LENGTH, and kept for the view (werkzeug caches it, and the parsed
JSON). A JSON body nested too deeply for Python's parser is refused here too, rather than
reaching the view as a RecursionError."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, request

from .errors import Refused

NUL = "\x00"
# What stands where bytes were not UTF-8 once something before us decoded them with
# "replace": werkzeug in a multipart text field, its development server (and test client) in
# the path. The original bytes are gone; no real text of ours holds this character.
REPLACED = "\ufffd"
JSON_ESCAPED_NUL = b"\\u0000"


def init_app(app: Flask) -> None:
    app.before_request(refuse_unreadable_text)


def refuse_unreadable_text() -> None:
    _check_path_and_query()
    _check_headers()
    if request.mimetype == "application/x-www-form-urlencoded":
        _readable(unquote_to_bytes(request.get_data(cache=True).replace(b"+", b" ")), "form")
    elif request.mimetype == "multipart/form-data":
        _check_multipart()
    elif request.is_json:
        _check_json(request.get_data(cache=True))


def _check_path_and_query() -> None:
    # WSGI hands both over as latin-1 strings of the raw bytes; the query still %-encoded
    path = request.environ.get("PATH_INFO", "").encode("latin-1")
    if REPLACED in _readable(path, "path"):
        raise Refused(400, "InvalidParameterValue", "input.not_utf8", where="path")
    query = request.environ.get("QUERY_STRING", "").encode("latin-1")
    _readable(unquote_to_bytes(query.replace(b"+", b" ")), "query")


def _check_headers() -> None:
    texts = [*request.headers.values(), *(t for pair in request.cookies.items() for t in pair)]
    basic = request.authorization       # HTTP Basic credentials, as werkzeug decodes them
    if basic is not None and basic.type == "basic":
        texts += [basic.username or "", basic.password or ""]
    if any(NUL in text for text in texts):
        raise Refused(400, "InvalidHeader", "input.nul", where="header")


def _check_multipart() -> None:
    # kept whole before the form is parsed: a write's Idempotency-Key is checked against the
    # body as it came (app/api/idempotent.py)
    request.get_data(cache=True)
    texts = [t for pair in request.form.items(multi=True) for t in pair]
    texts += [t for name, upload in request.files.items(multi=True) for t in (name, upload.filename or "")]
    if any(NUL in t for t in texts):
        raise Refused(400, "InvalidBody", "input.nul", where="form")
    if any(REPLACED in t for t in texts):
        raise Refused(400, "InvalidBody", "input.not_utf8", where="form")


def _readable(raw: bytes, where: str) -> str:
    code = "InvalidParameterValue" if where in ("path", "query") else "InvalidBody"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, code, "input.not_utf8", where=where) from None
    if NUL in text:
        raise Refused(400, code, "input.nul", where=where)
    return text


def _check_json(raw: bytes) -> None:
    _readable(raw, "body")
    # Parsed here once for the view (werkzeug keeps it); invalid JSON is the view's to answer.
    # Python's parser recurses: a body of a million "[" would reach the view as a RecursionError.
    try:
        parsed = request.get_json(silent=True)
    except RecursionError:
        raise Refused(400, "InvalidBody", "input.too_deep", where="body") from None
    if JSON_ESCAPED_NUL not in raw:
        return
    # An escaped backslash before "u0000" is no NUL: look at the strings the JSON holds
    # (keys too), not at its bytes.
    pending = [parsed]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                raise Refused(400, "InvalidBody", "input.nul", where="body")
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
