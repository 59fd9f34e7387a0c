"""Who is asking: a bearer token, HTTP Basic (only where the policy allows it), or the session
cookie (with a CSRF token on every write) — then the endpoint's policy is enforced.

Tokens and Basic passwords checked lately are cached per process. A change to an account,
made by any process or command, is announced at commit (migration 0016); the live stream's
hub hears it and tells this module (`account_changed`, registered by app/api/stream.py), which
drops that account's entries at once. While no notice can be heard, nothing is cached longer
than TOKEN_CACHE_SECONDS."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
import time
import uuid
from typing import Callable

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .. import db
from ..api.errors import Refused, described
from ..messages import Message
from ..services.accounts import accounts, audit
from ..services.accounts.scope import Scope, scope_of
from .policy import Policy, permits, policy_of, public

SESSION_COOKIE = "gridmap_session"
LOGIN_CSRF_COOKIE = "gridmap_login_csrf"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
BASIC_CACHE_SECONDS = 60     # GIS clients send Basic with every tile; argon2 is slow on purpose
# A token's account is looked up at most this often per process: a phone or a GIS client
# sends many requests a second. A revoked token or disabled account is dropped from every
# process's cache by the account notice; this bounds what no notice announces (a token's
# expiry passing), and every entry while this process hears no notices.
TOKEN_CACHE_SECONDS = 5.0


class AccessDenied(Refused):
    """401, 403 or 429, in the reader's language; a 401 names the schemes to sign in with."""

    def __init__(self, status: int, error: str, key: str, challenge: str | None = None, /, **params):
        super().__init__(status, error, key,
                         headers={"WWW-Authenticate": challenge} if challenge and status == 401 else None,
                         **params)
        self.challenge = challenge


def current_user() -> accounts.Principal | None:
    return g.get("user")


def current_scope() -> Scope:
    return g.get("scope") or Scope()


def current_credential() -> accounts.Credential | None:
    """How this request proved who it is, for what outlives it (an open stream) to ask about
    again."""
    return g.get("credential")


# -- what this process checked lately ------------------------------------------------------

class CredentialCache:
    """Principals by credential (a token's hash, a Basic username and password hash), each
    until its own time."""

    def __init__(self):
        self._entries: dict = {}
        self._lock = threading.Lock()
        self._forgotten = 0          # counts forget() calls

    def get(self, key) -> accounts.Principal | None:
        with self._lock:
            hit = self._entries.get(key)
        return hit[0] if hit and hit[1] > time.monotonic() else None

    def mark(self) -> int:
        """Taken before a lookup, and given back to put()."""
        return self._forgotten

    def put(self, key, principal: accounts.Principal, seconds: float, mark: int) -> None:
        with self._lock:
            # an account notice that came during the lookup may be about what it read
            if mark == self._forgotten:
                self._entries[key] = (principal, time.monotonic() + seconds)

    def forget(self, key=None, user_id: int | None = None) -> None:
        """One entry (`key`), one account's (`user_id`), or all of them (neither)."""
        with self._lock:
            self._forgotten += 1
            if key is not None:
                self._entries.pop(key, None)
            elif user_id is not None:
                for k in [k for k, (principal, _) in self._entries.items() if principal.id == user_id]:
                    del self._entries[k]
            else:
                self._entries.clear()


def hear_account_changes(app: Flask, listen: Callable[[], bool]) -> None:
    """`listen()` makes sure this process hears account notices and says whether it does now
    (the live stream's hub, app/api/stream.py). Until then, and whenever it says no, cached
    credentials expire after TOKEN_CACHE_SECONDS."""
    app.extensions["gridmap.account_notices"] = listen


def account_changed(app: Flask, user_id: int | None) -> None:
    """An account notice: that account's cached credentials are dropped; None (notices may
    have been missed) drops them all."""
    for name in ("gridmap.token_cache", "gridmap.basic_cache"):
        app.extensions[name].forget(user_id=user_id)


def _notices_heard() -> bool:
    listen = current_app.extensions.get("gridmap.account_notices")
    return listen is not None and listen()


def init_app(app: Flask) -> None:
    settings = app.config["GRIDMAP"]
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes)
    app.extensions["gridmap.limits"] = (MovingWindowRateLimiter(MemoryStorage()), {})
    app.extensions["gridmap.basic_cache"] = CredentialCache()
    app.extensions["gridmap.token_cache"] = CredentialCache()
    public(app.view_functions["static"])
    app.before_request(_identify_and_enforce)
    app.after_request(_security_headers)
    app.teardown_request(_forget_actor)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(403, _forbidden)


# -- the request pipeline ------------------------------------------------------------------

def _identify_and_enforce():
    g.request_id = _request_id()
    reads_only = request.method in SAFE_METHODS
    g.actor_token = audit.act_as(audit.Actor("anonymous", g.request_id, tell_database=not reads_only))
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return None     # 404/405 follow; nothing to protect
    policy = policy_of(view)
    if policy is None:  # check_every_endpoint makes this unreachable; fail closed anyway
        raise AccessDenied(403, "Forbidden", "auth.no_policy")
    _rate_limit(policy)
    user = _identify(policy)
    g.user = user
    g.scope = scope_of(user)
    if user is not None:
        audit.restore(g.actor_token)
        g.actor_token = audit.act_as(audit.Actor(f"user:{user.username}", g.request_id,
                                                 tell_database=not reads_only))
    if policy.public:
        return None
    if user is None:
        if policy.page:
            return redirect(url_for("login.form", next=request.full_path.rstrip("?")))
        raise AccessDenied(401, "Unauthorized", "auth.sign_in_basic" if policy.basic else "auth.sign_in",
                           _challenge(policy))
    if policy.permission and permits(user.role, policy.permission) is None:
        raise AccessDenied(403, "Forbidden", "auth.role_may_not", role=user.role, permission=policy.permission)
    return None


def _identify(policy: Policy) -> accounts.Principal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return _token_user(credentials.strip(), policy)
    session = db.session()
    if scheme.lower() == "basic":
        if not policy.basic:
            raise AccessDenied(401, "Unauthorized", "auth.basic_not_here", "Bearer")
        return _basic_user(credentials.strip(), policy)
    if header:
        raise AccessDenied(401, "Unauthorized", "auth.scheme", _challenge(policy))
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = accounts.resolve_session(session, cookie)
    session.commit()
    if found is None:
        return None     # unknown, tampered or expired: treated as signed out
    user, row = found
    g.csrf_token = row.csrf_token
    g.credential = accounts.Credential(user, "session", row.token_hash)
    if request.method not in SAFE_METHODS and policy.csrf:
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        if not hmac.compare_digest(sent.encode(), row.csrf_token.encode()):
            raise AccessDenied(403, "CSRFTokenMissing", "auth.csrf")
    return user


def _token_user(secret: str, policy: Policy) -> accounts.Principal:
    cache = current_app.extensions["gridmap.token_cache"]
    digest = accounts.token_digest(secret)
    user = cache.get(digest)
    if user is None:
        mark = cache.mark()
        session = db.session()
        found = accounts.resolve_token_until(session, secret)
        session.commit()        # last_used_at, and a clean transaction for the user's own work
        if found is None:
            raise AccessDenied(401, "Unauthorized", "auth.token_unknown", _challenge(policy))
        user, expires_at = found
        _notices_heard()        # from the first token kept on, this process hears of revocations
        # no notice announces an expiry: kept no longer than the token lives
        left = TOKEN_CACHE_SECONDS if expires_at is None else (expires_at - accounts.now()).total_seconds()
        cache.put(digest, user, min(TOKEN_CACHE_SECONDS, left), mark)
    g.credential = accounts.Credential(user, "token", digest)
    return user


def forget_token(token_hash: str) -> None:
    """A revoked token stops working in this process at once (the others hear of it)."""
    current_app.extensions["gridmap.token_cache"].forget(token_hash)


def forget_user(user_id: int) -> None:
    """A changed or disabled account is looked up afresh in this process at once (the others
    hear of it)."""
    account_changed(current_app, user_id)


def _basic_user(credentials: str, policy: Policy) -> accounts.Principal:
    try:
        username, _, password = base64.b64decode(credentials).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise AccessDenied(401, "Unauthorized", "auth.basic_malformed", _challenge(policy)) from None
    cache = current_app.extensions["gridmap.basic_cache"]
    key = (username, hashlib.sha256(password.encode()).hexdigest())
    principal = cache.get(key)
    if principal is None:
        mark = cache.mark()
        session = db.session()
        try:
            user = accounts.authenticate(session, username, password)
        except accounts.AccountError as error:
            session.commit()        # the failure counts towards the lock-out
            raise AccessDenied(401, "Unauthorized", error.key, _challenge(policy), **error.params) from None
        session.commit()
        principal = accounts.Principal.of(user)
        cache.put(key, principal, BASIC_CACHE_SECONDS if _notices_heard() else TOKEN_CACHE_SECONDS, mark)
    g.credential = accounts.Credential(principal, "password")
    return principal


def _rate_limit(policy: Policy) -> None:
    if not policy.rate:
        return
    limiter, parsed = current_app.extensions["gridmap.limits"]
    setting = getattr(current_app.config["GRIDMAP"], f"{policy.rate}_rate")
    if setting not in parsed:
        parsed[setting] = parse(setting)
    if request.method in SAFE_METHODS and policy.rate == "login":
        return          # showing the login form is free; trying passwords is not
    address = request.remote_addr or "-"
    if not limiter.hit(parsed[setting], policy.rate, address):
        # when the oldest hit in the window leaves it, the next one is let through
        reset = limiter.get_window_stats(parsed[setting], policy.rate, address).reset_time
        error = AccessDenied(429, "TooManyRequests", "auth.too_many", limit=setting)
        error.extra_headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
        raise error


def _challenge(policy: Policy) -> str:
    return 'Bearer, Basic realm="Gridmap"' if policy.basic else "Bearer"


def _request_id() -> str:
    sent = request.headers.get("X-Request-ID", "")
    if 8 <= len(sent) <= 64 and all(c.isalnum() or c in "-_." for c in sent):
        return sent
    return uuid.uuid4().hex


def _forget_actor(_exc) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        audit.restore(token)


# -- answers -------------------------------------------------------------------------------

def _forbidden(_error):
    return jsonify(code="Forbidden", description=described(Message("http.403"))), 403


def _too_large(_error):
    limit = current_app.config["GRIDMAP"].max_request_bytes
    return jsonify(code="PayloadTooLarge",
                   description=described(Message("http.413", mb=limit // (1024 * 1024)))), 413


def _basemap_origin() -> str:
    """The configured basemap's tile servers may serve images, and nothing else."""
    return "".join(f" {origin}" for origin in current_app.config["GRIDMAP"].basemap.origins)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{_basemap_origin()}; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self)")
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


# -- cookies -------------------------------------------------------------------------------

def set_session_cookie(response, token: str) -> None:
    settings = current_app.config["GRIDMAP"]
    response.set_cookie(SESSION_COOKIE, token, max_age=int(accounts.SESSION_MAX.total_seconds()),
                        httponly=True, secure=settings.secure_cookies, samesite="Lax", path="/")


def clear_session_cookie(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_csrf_token() -> str:
    """Double-submit token for the login form, before any session exists."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf_cookie(response, token: str) -> None:
    settings = current_app.config["GRIDMAP"]
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, secure=settings.secure_cookies,
                        samesite="Strict", path="/login")


def login_csrf_valid() -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = request.form.get("csrf_token", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())
