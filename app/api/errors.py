"""Refusals in the reader's language: an error raised with a catalogue key (app/messages.py)
is answered as JSON {code, description} in the language the request asks for.

The language: the Accept-Language header when it names Chinese or English (the better match),
else the signed-in account's own setting (app_user.language), else Chinese."""
from __future__ import annotations

import logging
import re

import psycopg
from flask import Flask, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .. import db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, Message, Said, Worded, rendered

log = logging.getLogger(__name__)

# Paths whose every answer is JSON, a refusal too (pages and Open311 answer in their own way)
JSON_PATHS = ("/api/", "/ogcapi", "/tiles/")


def request_language() -> str:
    """zh or en: the request's Accept-Language when it names either, else the signed-in
    user's own setting, else Chinese."""
    try:
        accepted = request.accept_languages
    except RuntimeError:        # outside a request
        return DEFAULT_LANGUAGE
    if any(quality > 0 and re.split("[-_]", value)[0].lower() in LANGUAGES for value, quality in accepted):
        best = accepted.best_match(LANGUAGES)
        if best:
            return best
    user = g.get("user")
    chosen = getattr(user, "language", None)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def described(error: Said | Message) -> str:
    """A refusal's words in the request's language."""
    return error.describe(request_language()) if isinstance(error, Said) else error.say(request_language())


def in_language(value):
    """A body or an `errors` object with every message in it said in the request's language."""
    return rendered(value, request_language())


class Refused(Worded, HTTPException):
    """A 4xx or 5xx whose description comes from the catalogue. `headers`: sent with it
    (Retry-After on a 503); `extra`: more fields of the answer (`parameter`, `errors`)."""

    def __init__(self, status: int, code: str, key: str, /, headers: dict | None = None,
                 extra: dict | None = None, **params):
        self.message = Message(key, **params)
        super().__init__(self.message.say("en"))
        self.code, self.error = status, code
        self.extra_headers = headers or {}
        self.extra = extra or {}


def refused(status: int, code: str, error: Said, **extra) -> Refused:
    """A service's refusal as an HTTP one: its words, with this status and code."""
    return Refused(status, code, error.key, extra=extra or None, **error.params)


def answer(error: Refused):
    """{code, description} and any extra fields, in the request's language."""
    response = jsonify(code=error.error, description=error.describe(request_language()),
                       **in_language(error.extra))
    response.status_code = error.code
    for name, value in error.extra_headers.items():
        response.headers[name] = value
    return response


def _http_error(error: HTTPException):
    """Under the JSON paths, werkzeug's own refusals (no such address, a method it does not
    take, a body it cannot read) are JSON in the reader's language too; pages keep HTML."""
    if not request.path.startswith(JSON_PATHS) or error.code is None or error.code < 400:
        return error
    if error.code == 405:
        allowed = sorted(getattr(error, "valid_methods", None) or ())
        message = Message("http.405", method=request.method, allowed=allowed)
    elif error.code in (400, 403, 404):
        message = Message(f"http.{error.code}")
    else:
        message = Message("http.other", status=error.code)
    response = jsonify(code=error.name.replace(" ", ""), description=described(message))
    response.status_code = error.code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _database_error(error: Exception):
    """While the database cannot be reached (stopped, restarting), every request is told to
    come back in a moment, in JSON, whichever endpoint it asked. Any other database error is
    a fault of ours and stays a 500."""
    reason = db.unreachable(error)
    if reason is None:
        raise error
    log.warning("database unreachable (%s): %s answered 503", reason, request.endpoint)
    return answer(Refused(503, "DatabaseUnavailable", "database.unavailable",
                           headers={"Retry-After": str(db.RETRY_AFTER_SECONDS)},
                           seconds=db.RETRY_AFTER_SECONDS))


def _bad_parameter(error):
    return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400


def init_app(app: Flask) -> None:
    from ..services.incidents.statistics import UnknownPeriod
    from .params import InvalidParameter
    app.register_error_handler(Refused, answer)
    app.register_error_handler(HTTPException, _http_error)
    # a parameter refused in a view of a blueprint that does not answer it itself
    app.register_error_handler(InvalidParameter, _bad_parameter)
    app.register_error_handler(UnknownPeriod, _bad_parameter)     # the wall's and its charts' ?period=
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(psycopg.Error, _database_error)
