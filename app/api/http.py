"""HTTP plumbing shared by the layer endpoints: conditional requests and compressed bodies."""
from __future__ import annotations

import math

from flask import Response, current_app, request
from isal import isal_zlib

from .. import db

# Intel ISA-L's deflate (zlib's interface, the same gzip on the wire). At its level 1 it took
# 0.62 ms for 1,000 buildings' GeoJSON (393 KB → 53 KB) where zlib's level 1 took 2.24 ms
# for 57 KB, and 0.82 vs 3.18 ms for all grids: that was most of what a big answer cost
# above its SQL. zlib's higher levels cost more again for a few percent of the bytes.
GZIP_LEVEL = 1


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this version."""
    sent = request.headers.get("If-None-Match", "")
    if etag and any(tag.strip() in (etag, "*") for tag in sent.split(",")):
        response = Response(status=304)
        response.headers["ETag"] = etag
        return response
    return None


def wants_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def whole(data: bytes, mimetype: str, etag: str | None = None) -> Response:
    """A body in hand (a tile, a page of features): compressed in one go, sent with its length."""
    if wants_gzip() and data:
        data = isal_zlib.compress(data, GZIP_LEVEL, wbits=31)
        response = Response(data, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(data, mimetype=mimetype)
    response.headers["Vary"] = "Accept-Encoding, Authorization, Cookie"
    response.headers["Cache-Control"] = "private, no-cache"
    if etag:
        response.headers["ETag"] = etag
    return response


COMPRESS_FROM = 1400     # bytes: below one packet, compressing saves nothing


def compress_json(response: Response) -> Response:
    """After every request: JSON answers worth it go out gzip-compressed (incident lists
    shrink about 8×). Streams and answers already encoded are left alone."""
    if (response.mimetype != "application/json" or response.direct_passthrough
            or response.is_streamed or "Content-Encoding" in response.headers or not wants_gzip()):
        return response
    data = response.get_data()
    if len(data) < COMPRESS_FROM:
        return response
    response.set_data(isal_zlib.compress(data, GZIP_LEVEL, wbits=31))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# -- the read replica (app/db.py) -------------------------------------------------------------

WROTE = "gridmap_wrote"
DATABASE_HEADER = "X-Gridmap-Database"


def wrote_lately() -> bool:
    """Whether this client wrote within the replica's bound (the cookie below)."""
    return WROTE in request.cookies


def replica_marks(response: Response) -> Response:
    """After every request, while a replica takes reads: which database answered this one's
    reads ("replica" or "primary", as the connection said of itself: a name, nothing of the
    host), and after a write, a cookie that keeps the client's reads on the primary for as long
    as the replica may be behind. A replica no further behind than the bound holds every write
    older than the bound, so once the cookie is gone the client reads its own writes there."""
    answered = db.answered_by()
    if answered:
        response.headers[DATABASE_HEADER] = answered
    if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
        bound = db.replica_bound()
        if bound is not None:
            response.set_cookie(WROTE, "1", max_age=math.ceil(bound), httponly=True, samesite="Lax",
                                secure=current_app.config["GRIDMAP"].secure_cookies)
    return response
