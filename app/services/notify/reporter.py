"""Which steps of the loop the reporter is told of, and on which channels: the one call the
loop makes (incidents/loop.py, as each event is written), inside the step's transaction.

Told: accepted (the first accept since the report or a reopen — a case escalated and accepted
again at the next level is no news to the resident), resolved, rejected (不予受理, with the
reason) and closed (verified, with how to rate it). Only with a contact kept with consent: SMS
to the phone, e-mail to the address, one message each."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import DEFAULT_LANGUAGE
from ...models import Incident, IncidentEvent, OutboxMessage
from . import outbox, texts

# an event's action → what the reporter is told happened
TOLD = {"accept": "accepted", "resolve": "resolved", "reject": "rejected", "verify": "closed"}


def tell(session: Session, incident: Incident, event: IncidentEvent) -> list[OutboxMessage]:
    step = TOLD.get(event.action)
    if step is None or incident.reporter_consent_at is None:
        return []
    contacts = {"sms": incident.reporter_phone, "email": incident.reporter_email}
    channels = [channel for channel, contact in contacts.items() if contact]
    if not channels or (step == "accepted" and _accepted_before(session, incident.id, event.id)):
        return []
    said = texts.facts(session, incident, event, step)
    language = incident.reporter_language or DEFAULT_LANGUAGE
    return [outbox.queue(session, incident_id=incident.id, event_id=event.id, channel=channel, step=step,
                         language=language, said=said) for channel in channels]


def _accepted_before(session: Session, incident_id: int, event_id: int) -> bool:
    return session.execute(text("""
        SELECT EXISTS (
            SELECT 1 FROM incident_event
            WHERE incident_id = :incident AND action = 'accept' AND id < :event
              AND id > coalesce((SELECT max(id) FROM incident_event
                                 WHERE incident_id = :incident AND action = 'reopen' AND id < :event), 0))"""),
        {"incident": incident_id, "event": event_id}).scalar_one()
