"""A grid worker's visit to a building or a household (上门走访): when, where the phone stood
(flagged when over FAR_M from the building: a visit is made at the door, not from the office),
whom they met, a note, photos, and a follow-up that becomes an incident. Phones send visits
through their outbox, perhaps hours later: the client's key makes a resend the same visit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ...config import IncidentRules
from ...messages import Message
from ...models import IncidentPhoto, Visit
from ..incidents import loop
from .access import Reader
from .entries import building, entry
from .errors import Invalid

FAR_M = 100
# a phone offline for a weekend sends its visits on Monday; later than this is not a record
LATEST_DELAY = timedelta(days=30)


@dataclass(frozen=True)
class Draft:
    building_id: int
    at: datetime
    unit_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    met: str | None = None
    note: str | None = None
    photo_ids: tuple[int, ...] = ()
    follow_up: str | None = None           # a category: the visit found a problem to handle
    follow_up_note: str | None = None
    client_key: str | None = None


def record(session: Session, writer: Reader, draft: Draft, participant: loop.Participant,
           rules: IncidentRules, now: datetime) -> tuple[Visit, bool]:
    """The visit, and whether it is new (False: this client key was recorded before)."""
    if draft.client_key:
        before = session.scalar(select(Visit).where(Visit.client_key == draft.client_key))
        if before is not None:
            if before.by != writer.actor:
                raise Invalid({"client_key": Message("register.visit_key_taken")})
            return before, False
    place = building(session, writer, draft.building_id)
    errors = {}
    if draft.unit_id is not None and entry(session, writer, "unit", draft.unit_id).building_id != place.id:
        errors["unit"] = Message("register.unit_elsewhere")
    if not now - LATEST_DELAY <= draft.at <= now + timedelta(minutes=5):
        errors["at"] = Message("register.visit_time", days=LATEST_DELAY.days)
    if (draft.lon is None) != (draft.lat is None) or (
            draft.lon is not None and not (-180 <= draft.lon <= 180 and -90 <= draft.lat <= 90)):
        errors["position"] = Message("register.visit_position")
    if draft.follow_up and not (draft.follow_up_note or draft.note):
        errors["follow_up_note"] = Message("register.required")
    if errors:
        raise Invalid(errors)
    distance = None
    if draft.lon is not None:
        distance = session.scalar(text("""
            SELECT ST_Distance(b.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
            FROM building b WHERE b.id = :id"""), {"lon": draft.lon, "lat": draft.lat, "id": place.id})
    visit = Visit(building_id=place.id, unit_id=draft.unit_id, worker_id=writer.worker_id, by=writer.actor,
                  at=draft.at, distance_m=distance, far=distance is not None and distance > FAR_M,
                  met=draft.met, note=draft.note, client_key=draft.client_key,
                  geom=f"SRID=4326;POINT({draft.lon} {draft.lat})" if draft.lon is not None else None)
    session.add(visit)
    session.flush()
    _attach_photos(session, draft.photo_ids, visit.id, participant.name)
    if draft.follow_up:
        lon, lat = session.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                                        "FROM building WHERE id = :id) s"), {"id": place.id}).one()
        filed = loop.report(session, loop.Report(
            category=draft.follow_up, lon=lon, lat=lat, description=draft.follow_up_note or draft.note,
            address=place.address), participant, rules, now)
        visit.incident_id = filed.id
    return visit, True


def _attach_photos(session: Session, photo_ids, visit_id: int, uploaded_by: str) -> None:
    """Only the visitor's own photos that nothing holds yet."""
    if not photo_ids:
        return
    taken = session.execute(update(IncidentPhoto).where(
        IncidentPhoto.id.in_(list(photo_ids)), IncidentPhoto.uploaded_by == uploaded_by,
        IncidentPhoto.incident_id.is_(None), IncidentPhoto.visit_id.is_(None)).values(visit_id=visit_id)).rowcount
    if taken != len(set(photo_ids)):
        raise Invalid({"photos": Message("photo.not_yours", ids=sorted(set(photo_ids)))})


def of_building(session: Session, reader: Reader, building_id: int, limit: int = 50) -> list[dict]:
    place = building(session, reader, building_id)
    rows = session.execute(text("""
        SELECT v.id, v.unit_id, v.by, v.at, v.distance_m, v.far, v.met, v.note, v.incident_id,
               w.name_zh AS worker_zh, w.name_en AS worker_en, i.code AS incident_code,
               coalesce(array_agg(p.id ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS photos
        FROM visit v LEFT JOIN worker w ON w.id = v.worker_id LEFT JOIN incident i ON i.id = v.incident_id
        LEFT JOIN incident_photo p ON p.visit_id = v.id
        WHERE v.building_id = :id GROUP BY v.id, w.id, i.id ORDER BY v.at DESC LIMIT :limit"""),
        {"id": place.id, "limit": limit}).mappings().all()
    return [dict(id=r["id"], unit=r["unit_id"], by=r["by"], at=r["at"].isoformat(),
                 distance_m=round(r["distance_m"], 1) if r["distance_m"] is not None else None, far=r["far"],
                 met=r["met"], note=r["note"], incident=r["incident_code"], photos=list(r["photos"]),
                 worker={"zh": r["worker_zh"], "en": r["worker_en"]} if r["worker_zh"] else None)
            for r in rows]
