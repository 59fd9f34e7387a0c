"""The start every layer answer shares: the collection, checked against the role; the
session and scope; the ETag, and a 304 when the client already holds this version.

Which database a read is answered from is chosen here (read_session), for the layers, the
tiles and the wall's charts alike: the replica when there is one (app/db.py), the primary
for what must see its own writes.

The ETags hold across the two: the versions an ETag is made of are read in the same
statement as the answer, or before it on the same session, and one request reads one
database (db.read_session). A replica is the primary's history replayed, so a version there
names the same rows as on the primary: a replica behind the client is asked for a version it
does not have yet, finds its own differs, and answers what it holds with that one's ETag —
never a 304 for content it lacks."""
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


def read_session(collections: tuple[features.Collection, ...] = ()) -> Session:
    """The session a read answer is made on: the replica's (db.read_session: when it answers and
    is not too far behind), except for what must see its own writes, which the primary answers —
    anything but GET, a plan's own collection (its editor reads each edit back, and its ETags
    are the If-Match of the next), and a client that wrote a moment ago (http.wrote_lately)."""
    return db.read_session(on_primary=request.method not in ("GET", "HEAD") or http.wrote_lately()
                           or any(c.plan_id is not None for c in collections))


def layer_request(collection_id: str, request_key: str | None = None, conditional: bool = True) -> LayerRequest:
    """`conditional=False`: no 304 for this layer alone (an answer made of several layers
    revalidates them together)."""
    c = features.collection(collection_id)
    reach = require(c.permission)
    owner = None
    if reach == "own" and c.owner is not None:
        user = current_user()
        owner = user.worker_id if user.worker_id is not None else -1
    session, scope = read_session((c,)), current_scope()
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
