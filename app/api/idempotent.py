"""Writes that own their transaction, and the Idempotency-Key header on them.

A view decorated with @transactional flushes its work and returns; the decorator commits a
success and rolls back anything else, so nothing half-written stays. With an
Idempotency-Key, the first success is stored in the same transaction and every retry gets
it back (200, same body, `Idempotent-Replayed: true`).
"""
from __future__ import annotations

from functools import wraps

from flask import Response, jsonify, make_response, request

from .. import db
from ..auth import current_user
from ..services.accounts import idempotency
from .errors import Refused, answer as refusal, described

HEADER = "Idempotency-Key"


def _actor() -> str:
    user = current_user()
    return f"user:{user.id}" if user else f"anonymous:{request.remote_addr}"


def transactional(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        session = db.session()
        key = request.headers.get(HEADER)
        if key is not None:
            key = key.strip()
            if not key or len(key) > idempotency.MAX_KEY_LENGTH:
                return refusal(Refused(400, "InvalidParameterValue", "idempotency.key_length",
                                      most=idempotency.MAX_KEY_LENGTH))
            try:
                answer = idempotency.claim(session, _actor(), key, idempotency.digest(
                    request.method, request.path, request.get_data()))
            except idempotency.KeyReused as error:
                session.rollback()
                return jsonify(code="IdempotencyKeyReused", description=described(error)), 422
            if answer is not None:
                session.rollback()
                return _replayed(answer)
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            session.rollback()
            raise
        if response.status_code >= 400:
            session.rollback()
            return response
        if key is not None and response.is_json:
            idempotency.remember(session, _actor(), key, idempotency.Answer(
                response.status_code, response.get_json(),
                {k: v for k, v in response.headers.items() if k in ("Location", "ETag")}))
        session.commit()
        return response
    return wrapper


def _replayed(answer: idempotency.Answer) -> Response:
    # The first answer was a 201 Created; a retry creates nothing, so it is a 200.
    response = jsonify(answer.body)
    response.status_code = 200 if answer.status_code == 201 else answer.status_code
    for name, value in answer.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response
