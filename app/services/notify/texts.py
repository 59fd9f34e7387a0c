"""A step the reporter is told of, in words (app/messages.py, `notify.*`), in their language.

An outbox message holds the facts of its step (`facts`: the case's code, its category in both
languages, the time promised, the public note or the reason); they are put in words when the
message is sent, in the city's time. What is said at each step answers the promise made to
residents: 2 h to respond, 24 h (72 h for hard cases) to solve, and if it cannot be solved,
say why (解决不了的、必须说明原因)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...messages import Both, Message, say
from ...models import Category, Incident, IncidentEvent
from ...personal import redacted

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Words:
    subject: str        # the e-mail's; an SMS is the body alone
    body: str


def facts(session: Session, incident: Incident, event: IncidentEvent, step: str) -> dict:
    """What the message of `step` says, as it stands when the step is taken."""
    category = session.get(Category, incident.category_code)
    said = {"code": incident.code, "category": {"zh": category.name_zh, "en": category.name_en}}
    if step in ("accepted", "task"):
        said["due"] = incident.due_resolve_at.isoformat()
    elif step == "resolved" and incident.public_note:
        said["note"] = redacted(incident.public_note)
    elif step == "rejected":
        # the reason the handler gave: it is the resident's to know; any number written in it is not
        said["reason"] = redacted(event.note or "")
    return said


def compose(step: str, said: dict, language: str, zone: str, link: str | None = None) -> Words:
    """`link`: the reporter's private link, which the message at close carries to the rating."""
    blanks = {"code": said["code"], "category": Both(**said["category"])}
    key = f"notify.{step}"
    if step in ("accepted", "task"):
        blanks["due"] = due(datetime.fromisoformat(said["due"]), zone)
    elif step == "resolved":
        if said.get("note"):
            blanks["note"] = said["note"]
        else:
            key = "notify.resolved_checking"
    elif step == "rejected":
        blanks["reason"] = said["reason"]
    elif step == "closed" and link:
        key, blanks["link"] = "notify.closed_link", link
    return Words(say(f"notify.subject.{step}", language, code=said["code"]), say(key, language, **blanks))


def due(moment: datetime, zone: str) -> Message:
    """A time promised, in the city's time: 11月25日 08:00 / 08:00 on 25 Nov."""
    local = moment.astimezone(ZoneInfo(zone))
    return Message("notify.due", month=Both(str(local.month), MONTHS[local.month - 1]), day=local.day,
                   time=local.strftime("%H:%M"))
