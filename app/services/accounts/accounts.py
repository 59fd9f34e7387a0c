"""Accounts: passwords, lock-out, login sessions and API tokens. No Flask here: the web layer
hands in what it read from the request and gets back users or a precise refusal.

A change to what an account may do is announced at commit on ACCOUNT_CHANNEL (migration
0016), so that every process drops its cached credentials and asks again about what it let in
earlier (`still_standing`)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ...messages import LANGUAGES, Said
from ...models import USER_ROLES, ApiToken, AppUser, Area, Department, UserSession, Worker
from . import audit

FREE_ATTEMPTS = 5                       # failures before the back-off starts
BACKOFF_START = timedelta(seconds=30)   # doubles with each further failure…
BACKOFF_MAX = timedelta(minutes=15)     # …up to this
SESSION_IDLE = timedelta(hours=12)      # a wall-screen shift
SESSION_MAX = timedelta(days=7)
TOKEN_PREFIX = "gm_"
MIN_PASSWORD = 8
ACCOUNT_CHANNEL = "gridmap_accounts"     # NOTIFY payload: the changed account's id (migration 0016)

_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a snapshot of the account, safe to keep between requests."""
    id: int
    username: str
    role: str
    scope_area_id: int | None
    scope_grid_codes: tuple[str, ...]
    worker_id: int | None
    department_id: int | None = None
    # the language the account is answered in when a request names none; not part of what a
    # credential stands for (a stream stays open when it changes)
    language: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, user: AppUser) -> "Principal":
        return cls(user.id, user.username, user.role, user.scope_area_id,
                   tuple(user.scope_grid_codes or ()), user.worker_id, user.department_id, user.language)


@dataclass(frozen=True)
class Credential:
    """How a request proved who it is, kept by what outlives the request (an open stream) to
    ask later whether it still stands: `digest` is the token's or login session's hash (None
    for a password: only the account can be asked about then)."""
    principal: Principal
    kind: str                   # 'token', 'session' or 'password'
    digest: str | None = None


class AccountError(Said, ValueError):
    """A refusal with a message a person understands (a catalogue key, app/messages.py)."""


class LockedOut(AccountError):
    def __init__(self, until: datetime):
        super().__init__("account.locked", until=f"{until.astimezone(timezone.utc):%H:%M:%S}")
        self.until = until


class NoSuchToken(Said, LookupError):
    """No token of that id that the asker may revoke."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: AppUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- users ---------------------------------------------------------------------------------

def create_user(session: Session, username: str, password: str, role: str, *,
                scope_area_code: str | None = None, scope_grid_codes: list[str] | None = None,
                worker_code: str | None = None, allow_short_password: bool = False,
                display_name: str | None = None, department_code: str | None = None) -> AppUser:
    username = (username or "").strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("account.username_form")
    if session.scalar(select(AppUser.id).where(AppUser.username == username)):
        raise AccountError("account.username_taken", username=username)
    check_role(role)
    if not allow_short_password:
        check_password(password)
    display_name = (display_name or "").strip() or None
    if display_name is not None and len(display_name) > 100:
        raise AccountError("account.display_name_long", most=100)
    user = AppUser(username=username, password_hash=hash_password(password), role=role,
                   display_name=display_name)
    set_scope(session, user, scope_area_code, scope_grid_codes)
    if worker_code:
        user.worker_id = _worker_id(session, worker_code)
    if role == "worker" and user.worker_id is None:
        raise AccountError("account.worker_needed")
    if department_code:
        user.department_id = session.scalar(select(Department.id).where(Department.code == department_code))
        if user.department_id is None:
            raise AccountError("account.no_department", department=department_code)
    if (role == "department") != (user.department_id is not None):
        raise AccountError("account.department_needed")
    session.add(user)
    session.flush()
    return user


def check_role(role: str) -> None:
    if role not in USER_ROLES:
        raise AccountError("account.role_unknown", role=role, known=USER_ROLES)


def check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("account.password_short", least=MIN_PASSWORD)


def set_language(user: AppUser, language) -> None:
    """The language the account is answered in when a request names none: zh, en, or None
    (no choice)."""
    if language is not None and language not in LANGUAGES:
        raise AccountError("account.language", value=language)
    user.language = language


def set_scope(session: Session, user: AppUser, area_code: str | None,
              grid_codes: list[str] | None) -> None:
    if area_code:
        area_id = session.scalar(select(Area.id).where(Area.code == area_code))
        if area_id is None:
            raise AccountError("account.no_area", code=area_code)
        user.scope_area_id = area_id
    else:
        user.scope_area_id = None
    user.scope_grid_codes = sorted(set(grid_codes)) if grid_codes else None


def _worker_id(session: Session, code: str) -> int:
    worker_id = session.scalar(select(Worker.id).where(Worker.code == code))
    if worker_id is None:
        raise AccountError("account.no_worker", code=code)
    return worker_id


def disable(session: Session, user: AppUser) -> None:
    """The account lets nobody in any more: its sessions end, its tokens stop resolving, and
    at commit every process hears of it (migration 0016) and ends its open streams."""
    user.active = False
    close_all_sessions(session, user)


def set_password(session: Session, user: AppUser, password: str) -> None:
    """A new password: the account's login sessions end (whoever knew the old one is signed
    out, their pages' streams with them); its API tokens stay, each revoked on its own."""
    check_password(password)
    user.password_hash = hash_password(password)
    close_all_sessions(session, user)


def find_user(session: Session, username: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.username == username))
    if user is None:
        raise AccountError("account.no_user", username=username)
    return user


def accounts_with_demo_password(session: Session, passwords: set[str]) -> list[str]:
    """Active accounts named after a role whose password is a demo password."""
    users = session.scalars(select(AppUser).where(AppUser.username.in_(USER_ROLES),
                                                  AppUser.active.is_(True))).all()
    return [u.username for u in users if any(password_matches(u, p) for p in passwords)]


# -- logging in ------------------------------------------------------------------------------

def authenticate(session: Session, username: str, password: str) -> AppUser:
    """The user, or AccountError/LockedOut. Each failure counts; after FREE_ATTEMPTS the
    account waits, longer after each further failure. The caller commits."""
    user = session.scalar(select(AppUser).where(AppUser.username == (username or "")))
    if user is None or not user.active:
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except VerificationError:
            pass
        raise AccountError("account.wrong_password")
    if user.locked_until and user.locked_until > now():
        raise LockedOut(user.locked_until)
    if not password_matches(user, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= FREE_ATTEMPTS:
            wait = min(BACKOFF_MAX, BACKOFF_START * 2 ** (user.failed_logins - FREE_ATTEMPTS))
            user.locked_until = now() + wait
        audit.record(session, "LOGIN_FAILED", "app_user", str(user.id), None,
                     {"failed_logins": user.failed_logins})
        raise AccountError("account.wrong_password")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    return user


@dataclass(frozen=True)
class NewSession:
    token: str          # goes into the cookie, never stored
    csrf_token: str


def open_session(session: Session, user: AppUser, ip: str | None) -> NewSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=token_digest(token), user_id=user.id, csrf_token=csrf,
                            expires_at=now() + SESSION_MAX, ip=ip))
    audit.record(session, "LOGIN", "app_user", str(user.id), None, {"ip": ip})
    return NewSession(token, csrf)


def resolve_session(session: Session, token: str) -> tuple[Principal, UserSession] | None:
    """The live session behind a cookie value; None when unknown, expired or idle too long."""
    row = session.get(UserSession, token_digest(token))
    if row is None:
        return None
    moment = now()
    if row.expires_at <= moment or row.last_seen_at + SESSION_IDLE <= moment:
        session.delete(row)
        return None
    user = session.get(AppUser, row.user_id)
    if user is None or not user.active:
        return None
    if moment - row.last_seen_at > timedelta(minutes=1):   # one write a minute, not per request
        row.last_seen_at = moment
    return Principal.of(user), row


def close_session(session: Session, token: str) -> None:
    row = session.get(UserSession, token_digest(token))
    if row is not None:
        audit.record(session, "LOGOUT", "app_user", str(row.user_id), None, None)
        session.delete(row)


def close_all_sessions(session: Session, user: AppUser) -> None:
    session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))


# -- API tokens --------------------------------------------------------------------------------

def create_token(session: Session, user: AppUser | Principal, name: str,
                 valid_for: timedelta | None = None) -> tuple[ApiToken, str]:
    """The stored row and the token itself, which is shown once and never again."""
    name = (name or "").strip() or "token"
    if len(name) > 100:
        raise AccountError("account.token_name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(secret), prefix=secret[:10],
                   expires_at=now() + valid_for if valid_for else None)
    session.add(row)
    session.flush()
    return row, secret


def resolve_token(session: Session, secret: str) -> Principal | None:
    """The account behind a bearer token: one indexed join. None when the token is unknown,
    expired or revoked, or its account is disabled."""
    found = resolve_token_until(session, secret)
    return found[0] if found else None


def resolve_token_until(session: Session, secret: str) -> tuple[Principal, datetime | None] | None:
    """resolve_token, with when the token expires (None: never): a cache of it must not keep
    it past that."""
    found = session.execute(
        select(AppUser, ApiToken.id, ApiToken.last_used_at, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == AppUser.id)
        .where(ApiToken.token_hash == token_digest(secret), ApiToken.revoked_at.is_(None),
               AppUser.active.is_(True))
        .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now()))).first()
    if found is None:
        return None
    user, token_id, last_used, expires_at = found
    if last_used is None or now() - last_used > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now()))
    return Principal.of(user), expires_at


def tokens_of(session: Session, user: Principal | None) -> list[ApiToken]:
    """A user's tokens, or everyone's (None: for admins)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, by: Principal, may_revoke_any: bool) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != by.id and not may_revoke_any):
        raise NoSuchToken("account.no_token", id=token_id)
    if row.revoked_at is None:
        row.revoked_at = now()
    return row


def still_standing(session: Session, credentials) -> set[Credential]:
    """Those of `credentials` that still let their holder in as the same account: the token
    or session still resolves, the account is active, and its role, scope and worker are
    what they were. Two queries for them all, however many (a process's ten thousand open
    streams), each answering with little: the accounts once each, and only the credentials
    that no longer stand (reading back a row per standing credential cost a core a third of
    its time at 10,000 streams, every 5 s)."""
    credentials = set(credentials)
    if not credentials:
        return set()
    asked = list(credentials)
    users = {c.principal.id for c in asked}
    accounts_now = {user_id: Principal(user_id, username, role, area_id, tuple(grid_codes or ()), worker_id,
                                       department_id)
                    for user_id, username, role, area_id, grid_codes, worker_id, department_id in session.execute(text("""
        SELECT id, username, role, scope_area_id, scope_grid_codes, worker_id, department_id
        FROM app_user WHERE active AND id = ANY(:users)"""), {"users": list(users)})}
    resolvable = [c for c in asked if c.kind in ("token", "session")]
    fallen = set()
    if resolvable:
        fallen = set(session.execute(text("""
            SELECT c.n FROM unnest(CAST(:kinds AS text[]), CAST(:digests AS text[]), CAST(:users AS integer[]))
                 WITH ORDINALITY AS c(kind, digest, user_id, n)
            WHERE NOT CASE c.kind
                WHEN 'token' THEN EXISTS (
                    SELECT FROM api_token t WHERE t.token_hash = c.digest AND t.user_id = c.user_id
                    AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()))
                ELSE EXISTS (
                    SELECT FROM user_session s WHERE s.token_hash = c.digest AND s.user_id = c.user_id
                    AND s.expires_at > now() AND s.last_seen_at + :idle > now()) END"""),
            {"kinds": [c.kind for c in resolvable], "digests": [c.digest for c in resolvable],
             "users": [c.principal.id for c in resolvable], "idle": SESSION_IDLE}).scalars())
    fallen = {resolvable[n - 1] for n in fallen}
    return {c for c in asked if c not in fallen and accounts_now.get(c.principal.id) == c.principal
            and c.kind in ("token", "session", "password")}


def token_digest(secret: str) -> str:
    # Tokens are long random strings, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()
