"""Refusals in the reader's language: an error raised with a catalogue key (app/messages.py)
is answered as JSON {code, description} in the language the request asks for."""
from __future__ import annotations

import logging

import psycopg
from flask import Flask, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .. import db
from ..messages import DEFAULT_LANGUAGE, LANGUAGES, say

log = logging.getLogger(__name__)


def request_language() -> str:
    """zh or en: the request's Accept-Language, else Chinese."""
    try:
        return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    except RuntimeError:        # outside a request
        return DEFAULT_LANGUAGE


class Refused(HTTPException):
    """A 4xx or 5xx whose description comes from the catalogue. `headers`: sent with it
    (Retry-After on a 503)."""

    def __init__(self, status: int, code: str, key: str, headers: dict | None = None, **params):
        super().__init__(say(key, "en", **params))
        self.code, self.error, self.key, self.params = status, code, key, params
        self.extra_headers = headers or {}

    def describe(self, language: str) -> str:
        return say(self.key, language, **self.params)


def _answer(error: Refused):
    response = jsonify(code=error.error, description=error.describe(request_language()))
    response.status_code = error.code
    for name, value in error.extra_headers.items():
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
    return _answer(Refused(503, "DatabaseUnavailable", "database.unavailable",
                           headers={"Retry-After": str(db.RETRY_AFTER_SECONDS)},
                           seconds=db.RETRY_AFTER_SECONDS))


def init_app(app: Flask) -> None:
    app.register_error_handler(Refused, _answer)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(psycopg.Error, _database_error)
