"""Photos taken at an incident: checked to be a real image (Pillow decodes the header, so a
renamed PDF or a truncated upload is refused), stored once, attached later."""
from __future__ import annotations

import hashlib
import io

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...messages import Said
from ...models import IncidentPhoto

ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoRefused(Said, ValueError):
    pass


class PhotoTooLarge(PhotoRefused):
    pass


def store(session: Session, data: bytes, uploaded_by: str, max_bytes: int) -> IncidentPhoto:
    if not data:
        raise PhotoRefused("photo.empty")
    if len(data) > max_bytes:
        raise PhotoTooLarge("photo.too_large", size=len(data) / 1e6, limit=max_bytes / 1e6)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRefused("photo.not_image") from None
    if kind not in ACCEPTED:
        raise PhotoRefused("photo.kind", kind=kind)
    photo = IncidentPhoto(uploaded_by=uploaded_by, content_type=ACCEPTED[kind], width=width,
                          height=height, size_bytes=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), data=data)
    session.add(photo)
    session.flush()
    return photo


def attach(session: Session, photo_ids: list[int], incident_id: int, uploaded_by: str,
           event_id: int | None = None) -> None:
    """Only the uploader's own photos that nothing holds yet; anything else is refused."""
    if not photo_ids:
        return
    free = set(session.scalars(select(IncidentPhoto.id).where(
        IncidentPhoto.id.in_(photo_ids), IncidentPhoto.uploaded_by == uploaded_by,
        IncidentPhoto.incident_id.is_(None))))
    missing = sorted(set(photo_ids) - free)
    if missing:
        raise PhotoRefused("photo.not_yours", ids=missing)
    session.execute(update(IncidentPhoto).where(IncidentPhoto.id.in_(photo_ids))
                    .values(incident_id=incident_id, event_id=event_id))


def photos_of(session: Session, incident_id: int) -> list[IncidentPhoto]:
    return list(session.scalars(select(IncidentPhoto).where(IncidentPhoto.incident_id == incident_id)
                                .order_by(IncidentPhoto.id)))
