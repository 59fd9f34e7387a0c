"""The start every layer answer shares: the collection, checked against the role; the
session and scope; the ETag, and a 304 when the client already holds this version."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request
from sqlalchemy.orm import Session

from ... import db
from ...auth import current_scope, current_user, require
from ...services.accounts.scope import Scope
from ...services.layers import features, versions
from ...services.planning import plans
from .. import http


@dataclass(frozen=True)
class LayerRequest:
    collection: features.Collection
    session: Session
    scope: Scope
    not_modified: Response | None   # a 304: the client already holds this version
    owner: int | None = None   # an ':own' reach: only this worker's rows (-1: no worker, none)
    request_key: str = ""

    @property
    def versions(self) -> tuple[str, dict]:
        """The versions' SQL, for the answer's own statement to read (one round trip)."""
        return versions.read_sql(self.collection.tables, self.scope)

    def etag(self, read: str | None) -> str:
        """The ETag of an answer made when the versions were `read`."""
        return versions.tag(read, self.scope, self.request_key)


def layer_request(collection_id: str, request_key: str | None = None, conditional: bool = True) -> LayerRequest:
    """`conditional=False`: no 304 for this layer alone (an answer made of several layers
    revalidates them together)."""
    c = features.collection(collection_id)
    reach = require(c.permission)
    owner = None
    if reach == "own" and c.owner is not None:
        user = current_user()
        owner = user.worker_id if user.worker_id is not None else -1
    session, scope = db.session(), current_scope()
    if request.method in ("GET", "HEAD"):
        db.without_transaction(session)
    if c.plan_id is not None:
        try:
            plans.load(session, c.plan_id, scope)
        except plans.NotFound:
            raise features.UnknownCollection(collection_id) from None
    key = f"{owner}|{request_key or request.full_path}"
    not_modified = None
    if conditional and request.headers.get("If-None-Match"):   # only then is the version read on its own
        not_modified = http.not_modified(versions.etag(session, c.tables, scope, key))
    return LayerRequest(c, session, scope, not_modified, owner, key)
