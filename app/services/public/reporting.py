"""A resident's report, from the public page (/report) or Open311: checked field by field,
placed (a point, or an address the city's own buildings know), filed into the triage queue by
the loop (incidents.loop.report), and answered with the case code and the private link's token.

Anti-abuse without an outside service:
- per client address: the settings' public rate (GRIDMAP_PUBLIC_RATE), applied by app/auth to
  every public write;
- per contact: at most `contact_reports_per_day` (settings; GRIDMAP_CONTACT_REPORTS_PER_DAY) reports from one phone or e-mail in 24 hours,
  counted in the database, so across processes and restarts;
- a honeypot field people never see, and limits on every field and photo.

The private link (/r/<token>): only the token's sha256 is kept (incident.reporter_token_hash).
A retried submission (the answer was lost on a weak network) must get the same answer — the
same link — though the token is stored nowhere, not even among idempotent answers. So the token
is made from a seed with the server's secret (HMAC): the submission's own key when it carries
one (the page makes one per report), so that a retry finds its case again by the token's hash,
else a random one (secrets). The seed is kept (incident.reporter_link_seed) so that the message
at close can carry the link again (services/notify); without SECRET_KEY it opens nothing.

A contact is kept only with the resident's consent, and only to tell them how the case goes
(the DB refuses a contact without a consent time: migration 0025).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ...config import IncidentRules
from ...messages import Message, Said
from ...models import Category, Incident
from ..incidents import loop, photos as incident_photos
from . import addresses

REPORTER = "resident:web"       # the history's actor for the page (gridmap_actor: a resident)
DESCRIPTION_MAX = 2000          # characters
ADDRESS_MAX = 300
MAX_PHOTOS = 3
HONEYPOT = "website"            # the field's name on the form: people never see it
KEY = re.compile(r"[A-Za-z0-9_-]{16,200}")
MOBILE = re.compile(r"1[3-9]\d{9}")     # an SMS goes to a mainland mobile number
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
EMAIL_MAX = 200


class TooMany(Said):
    """A limit reached: try again in `retry_after` seconds."""

    def __init__(self, key: str, retry_after: int, /, **params):
        super().__init__(key, **params)
        self.retry_after = retry_after


class PhotoTooLarge(loop.Invalid):
    status = 413


@dataclass(frozen=True)
class Submission:
    category: object
    description: object
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: bool = False
    photos: tuple[bytes, ...] = ()
    trap: str | None = None         # the honeypot's content
    key: str | None = None          # the submission's own: a retry gets the same answer


@dataclass(frozen=True)
class Receipt:
    incident_id: int
    code: str
    token: str
    replayed: bool
    triage: bool
    due_respond_at: datetime
    due_resolve_at: datetime
    contact_kept: bool


def reportable(session: Session) -> list[dict]:
    """The kinds of problem a resident chooses from: every category the public may see in
    some form (public or restricted), with the time limits the city promises for it."""
    rows = session.scalars(select(Category).where(Category.visibility != "private")
                           .order_by(Category.weight.desc(), Category.code))
    return [{"code": c.code, "name": {"zh": c.name_zh, "en": c.name_en}, "visibility": c.visibility,
             "respond_within_min": c.respond_within_min, "resolve_within_min": c.resolve_within_min,
             "limit_unit": c.limit_unit,
             "complex": c.complex} for c in rows]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(secret: str, seed: str) -> str:
    """The private link's token made from its seed (incident.reporter_link_seed)."""
    digest = hmac.new(secret.encode(), b"gridmap.report:" + seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def file(session: Session, submission: Submission, by: loop.Participant, rules: IncidentRules,
         now: datetime, secret: str, *, channel: str = "citizen", triage: bool = True,
         any_category: bool = False, language: str | None = None) -> Receipt:
    """Files the submission (or finds the one a retry repeats). Flushes; the caller commits.
    `any_category`: another city system (Open311) may file in any category, a resident on the
    page in those they may see. `language`: the resident's (zh, en), which they are told in."""
    key = submission.key
    if key is not None and not KEY.fullmatch(key):
        raise loop.Invalid({"submission": Message("report.key")})
    seed = key if key is not None else secrets.token_urlsafe(24)
    token = link_token(secret, seed)
    hashed = token_hash(token)
    if key is not None:
        # two retries racing: the second waits here for the first to commit, then finds it
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:h, 0))"), {"h": hashed})
        earlier = session.scalars(select(Incident).where(Incident.reporter_token_hash == hashed)).first()
        if earlier is not None:
            return _receipt(earlier, token, replayed=True)
    if submission.trap:
        raise loop.Invalid({HONEYPOT: Message("report.honeypot")})
    checked = _checked(session, submission, any_category)
    _within_contact_limit(session, checked.phone, checked.email, now, rules.contact_reports_per_day)
    photo_ids = []
    for n, data in enumerate(submission.photos, start=1):
        try:
            photo_ids.append(incident_photos.store(session, data, by.name, rules.photo_max_bytes).id)
        except incident_photos.PhotoTooLarge as error:
            raise PhotoTooLarge({"photos": Message("report.photo", n=n, why=error.message)}) from None
        except incident_photos.PhotoRefused as error:
            raise loop.Invalid({"photos": Message("report.photo", n=n, why=error.message)}) from None
    filed = loop.report(session, loop.Report(
        category=checked.category, lon=checked.lon, lat=checked.lat, description=checked.description,
        channel=channel, address=checked.address, photo_ids=tuple(photo_ids), triage=triage), by, rules, now)
    contact = checked.phone or checked.email
    session.execute(update(Incident).where(Incident.id == filed.id).values(
        reporter_phone=checked.phone, reporter_email=checked.email,
        reporter_consent_at=now if contact else None, reporter_token_hash=hashed, reporter_link_seed=seed,
        reporter_language=language if language in ("zh", "en") else None))
    incident = session.get(Incident, filed.id)
    session.refresh(incident)
    return _receipt(incident, token, replayed=False)


def _receipt(incident: Incident, token: str, replayed: bool) -> Receipt:
    return Receipt(incident.id, incident.code, token, replayed, incident.triage, incident.due_respond_at,
                   incident.due_resolve_at, bool(incident.reporter_phone or incident.reporter_email))


@dataclass(frozen=True)
class _Checked:
    category: str
    description: str
    lon: float
    lat: float
    address: str | None
    phone: str | None
    email: str | None


def _checked(session: Session, s: Submission, any_category: bool) -> _Checked:
    """Every field at once, one message per field; the place found from the address when no
    point is given."""
    errors: dict[str, Message] = {}
    known = ([c.code for c in session.scalars(select(Category).order_by(Category.code))] if any_category
             else [c["code"] for c in reportable(session)])
    if s.category not in known:
        errors["category"] = Message("report.category_unknown", category=str(s.category)[:40], known=known)
    description = s.description.strip() if isinstance(s.description, str) else ""
    if not description:
        errors["description"] = Message("report.description_missing")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = Message("report.description_too_long", most=DESCRIPTION_MAX, count=len(description))
    address = s.address.strip() if isinstance(s.address, str) and s.address.strip() else None
    if address and len(address) > ADDRESS_MAX:
        errors["address"] = Message("report.address_too_long", most=ADDRESS_MAX)
    lon, lat = s.lon, s.lat
    if (lon is None) != (lat is None):
        errors["point"] = Message("report.place_missing")       # half a point is no place
    elif lon is None:
        if not address:
            errors["point"] = Message("report.place_missing")
        elif "address" not in errors:
            try:
                place = addresses.match(session, address)
                lon, lat, address = place.lon, place.lat, place.words
            except addresses.AddressRefused as refused:
                errors["address"] = refused.message
    else:
        for name, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or not -limit <= value <= limit:
                errors[name] = Message("report.coordinate", name=name, low=-limit, high=limit,
                                       value=str(value)[:40])
    phone = _phone(s.phone)
    if phone is False:
        errors["phone"] = Message("report.phone_form")
    email = s.email.strip() if isinstance(s.email, str) and s.email.strip() else None
    if email and (len(email) > EMAIL_MAX or not EMAIL.fullmatch(email)):
        errors["email"] = Message("report.email_form")
    if (phone or email) and not s.consent:
        errors["consent"] = Message("report.consent_needed")
    if len(s.photos) > MAX_PHOTOS:
        errors["photos"] = Message("report.photos_too_many", most=MAX_PHOTOS, count=len(s.photos))
    if errors:
        raise loop.Invalid(errors)
    return _Checked(s.category, description, float(lon), float(lat), address, phone or None, email)


def _phone(value) -> str | None | bool:
    """An 11-digit mainland mobile number (spaces, dashes and +86 aside); None when absent,
    False when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    digits = re.sub(r"[\s-]", "", value)
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    return digits if MOBILE.fullmatch(digits) else False


def _within_contact_limit(session: Session, phone: str | None, email: str | None, now: datetime,
                          most: int) -> None:
    if not phone and not email:
        return
    day = timedelta(days=1)
    count, first = session.execute(text("""
        SELECT count(*), min(reported_at) FROM incident
        WHERE reported_at > :since AND (reporter_phone = :phone OR reporter_email = :email)"""),
        {"since": now - day, "phone": phone, "email": email}).one()
    if count >= most:
        wait = max(60, math.ceil((first + day - now).total_seconds()))
        raise TooMany("report.too_many_contact", wait, most=most, minutes=math.ceil(wait / 60))
