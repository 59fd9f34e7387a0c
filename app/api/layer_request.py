"""The start every layer answer shares: the collection, checked against the role; the
session and scope; the ETag, and a 304 when the client already holds this version."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request
from sqlalchemy.orm import Session

from .. import db
from ..auth import current_scope, current_user, require
from ..services import features, plans, versions
from ..services.scope import Scope
from . import http


@dataclass(frozen=True)
class LayerRequest:
    collection: features.Collection
    session: Session
    scope: Scope
    etag: str
    not_modified: Response | None
    owner: int | None = None   # an ':own' reach: only this worker's rows (-1: no worker, none)


def layer_request(collection_id: str, request_key: str | None = None) -> LayerRequest:
    c = features.collection(collection_id)
    reach = require(c.permission)
    owner = None
    if reach == "own" and c.owner is not None:
        user = current_user()
        owner = user.worker_id if user.worker_id is not None else -1
    session, scope = db.session(), current_scope()
    if c.plan_id is not None:
        try:
            plans.load(session, c.plan_id, scope)
        except plans.NotFound:
            raise features.UnknownCollection(collection_id) from None
    etag = versions.etag(session, c.tables, scope, f"{owner}|{request_key or request.full_path}")
    return LayerRequest(c, session, scope, etag, http.not_modified(etag), owner)
