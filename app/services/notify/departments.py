"""A department is told of each case it is given — as lead, helper, or by a transfer — on its
duty phone and mailbox (an office's, not a person's), in the transaction of the step that gave
it, through the same outbox as the residents' messages."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import DEFAULT_LANGUAGE
from ...models import Incident, IncidentEvent, OutboxMessage
from . import outbox, texts


def tell(session: Session, incident: Incident, event: IncidentEvent, department_id: int) -> list[OutboxMessage]:
    contacts = session.execute(text("SELECT duty_phone, duty_email FROM department WHERE id = :d"),
                               {"d": department_id}).one()
    channels = [channel for channel, contact in zip(("sms", "email"), contacts) if contact]
    if not channels:
        return []
    said = texts.facts(session, incident, event, "task")
    return [outbox.queue(session, incident_id=incident.id, event_id=event.id, channel=channel, step="task",
                         language=DEFAULT_LANGUAGE, said=said, department_id=department_id) for channel in channels]


def tell_new(session: Session, incident_id: int, event_id: int, department_id: int) -> list[OutboxMessage]:
    """The same, for a case the rules sent to the department as it was reported."""
    return tell(session, session.get(Incident, incident_id), session.get(IncidentEvent, event_id), department_id)
