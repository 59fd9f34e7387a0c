"""Sending after commit (issue 26): each message once, even with several senders and across a
gateway that is down; a failure is tried again with a growing, jittered delay; nothing about
the resident in the log."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app, gunicorn_conf
from app.services.incidents import loop
from app.services.notify import outbox
from app.services.notify.sender import Sender, send_due
from tests.conftest import TEST_SETTINGS

from .conftest import ZONE, a_phone, an_email, eventually, with_rules


def test_a_gateway_answering_500_is_tried_again_later_with_a_growing_delay_then_delivered(cases, rules, sms):
    phone = a_phone()
    case = cases.file(phone)
    cases.act(case, "accept")
    sms.answers.extend([500, 503])
    now = datetime.now(timezone.utc)

    assert send_due(cases.session, rules, ZONE, now).failed
    [message] = cases.messages(case)
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "http 500")
    # the first delay is retry_seconds, jittered between half of it and all of it
    assert now + timedelta(seconds=5) <= message.next_attempt_at <= now + timedelta(seconds=10)
    assert not send_due(cases.session, rules, ZONE, now + timedelta(seconds=4))     # not due yet

    later = now + timedelta(seconds=10)
    assert send_due(cases.session, rules, ZONE, later).failed
    [message] = cases.messages(case)
    assert message.attempts == 2 and message.last_error == "http 503"
    assert later + timedelta(seconds=10) <= message.next_attempt_at <= later + timedelta(seconds=20)   # doubled

    assert send_due(cases.session, rules, ZONE, later + timedelta(seconds=20)).sent == [message.id]
    [message] = cases.messages(case)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    tries = sms.to(phone)
    assert [r.answered for r in tries] == [500, 503, 200]
    # every try is the same message to the gateway: one key to tell a repeat by
    assert {r.headers["idempotency-key"] for r in tries} == {str(message.key)} == {r.body["id"] for r in tries}
    assert not send_due(cases.session, rules, ZONE, later + timedelta(hours=1))      # and never again


def test_the_delay_doubles_up_to_its_cap_and_a_message_failing_every_attempt_is_left_dead(cases, rules, sms):
    for attempts, most in ((1, 10), (2, 20), (3, 40), (4, 60), (9, 60)):
        assert most / 2 <= outbox.backoff(attempts, rules) <= most
    case = cases.file(a_phone())
    cases.act(case, "accept")
    sms.answers.extend([500] * 10)
    moment = datetime.now(timezone.utc)
    for _ in range(rules.max_attempts):
        send_due(cases.session, rules, ZONE, moment)
        moment += timedelta(seconds=rules.retry_max_seconds)
    [message] = cases.messages(case)
    assert (message.status, message.attempts) == ("dead", rules.max_attempts)
    assert not send_due(cases.session, rules, ZONE, moment + timedelta(days=1))     # kept, not tried


def a_sender(new_session, database_url, rules) -> Sender:
    """A sender as a server runs one: a thread, woken by the outbox's NOTIFY, polling besides."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    return Sender(new_session, lambda: conninfo, rules, ZONE)


def test_the_smtp_server_stopped_during_a_resolve_loses_nothing_and_the_message_arrives_once(
        cases, rules, smtp, sms, new_session, database_url):
    """Done when (issue 26)."""
    phone, address = a_phone(), an_email()
    case = cases.file(phone, address)
    code = loop.load(cases.session, case).code
    sender = a_sender(new_session, database_url,
                      with_rules(rules, retry_seconds=0.2, retry_max_seconds=0.5, max_attempts=1000))
    sender.start()
    try:
        cases.act(case, "accept")
        eventually(lambda: len(smtp.to(address)) == 1)

        smtp.stop()
        cases.act(case, "resolve", note="cleared")
        # the SMS goes; the e-mail cannot, and is tried again and again
        eventually(lambda: len(sms.delivered_to(phone)) == 2)
        eventually(lambda: resolved_email(cases, case).attempts >= 2)
        assert resolved_email(cases, case).status == "pending" and len(smtp.to(address)) == 1

        smtp.start()
        eventually(lambda: resolved_email(cases, case).status == "sent")
        threading.Event().wait(1.0)                     # more rounds of the sender: nothing more goes
        assert [m.message["Subject"] for m in smtp.to(address)] == [
            f"您的报事已受理（{code}）", f"您的报事已处理（{code}）"]
        assert smtp.to(address)[1].message["Message-ID"] == f"<{resolved_email(cases, case).key}@city.example.cn>"
        assert len(sms.delivered_to(phone)) == 2
    finally:
        sender.stop(timeout=5)
    assert not sender.running


def resolved_email(cases, case):
    return next(m for m in cases.messages(case) if (m.step, m.channel) == ("resolved", "email"))


def test_the_sender_is_woken_by_the_commit_that_queues_a_message_not_by_its_poll(
        cases, rules, smtp, new_session, database_url):
    address = an_email()
    case = cases.file(email_address=address)
    sender = a_sender(new_session, database_url, with_rules(rules, poll_seconds=120))
    sender.start()
    try:
        threading.Event().wait(0.5)         # listening, and past its first look
        cases.act(case, "accept")
        eventually(lambda: len(smtp.to(address)) == 1, seconds=5)
    finally:
        sender.stop(timeout=5)
    assert not sender.running               # a stop is heard in a poll of two minutes


def test_two_senders_never_send_one_message_twice(cases, rules, smtp, sms, new_session):
    phones, addresses = [a_phone() for _ in range(8)], [an_email() for _ in range(8)]
    for phone, address in zip(phones, addresses):
        case = cases.file(phone, address)
        cases.act(case, "accept")
        cases.act(case, "resolve", note="done")
    ours = {m.id for case in cases.filed for m in cases.messages(case)}
    assert len(ours) == 32
    cases.session.rollback()
    smtp.recorder.delay = sms.delay = 0.01            # slow gateways: the senders overlap
    start, rounds = threading.Barrier(2), []

    def run():
        session = new_session()
        try:
            start.wait()
            rounds.append(send_due(session, rules, ZONE, limit=1000))
        finally:
            session.close()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    first, second = (set(r.sent) & ours for r in rounds)
    assert first and second, "both senders sent"
    assert first.isdisjoint(second) and first | second == ours
    for phone, address in zip(phones, addresses):
        assert len(sms.to(phone)) == 2 and len(smtp.to(address)) == 2


def test_a_message_whose_contact_was_erased_is_cancelled_not_sent(cases, rules, sms):
    phone = a_phone()
    case = cases.file(phone)
    cases.act(case, "accept")
    incident = loop.load(cases.session, case)
    incident.reporter_phone = incident.reporter_consent_at = None       # consent withdrawn
    cases.session.commit()
    done = send_due(cases.session, rules, ZONE)
    [message] = cases.messages(case)
    assert message.id in done.cancelled and message.status == "cancelled"
    assert sms.to(phone) == []


def test_a_channel_with_nothing_configured_keeps_its_messages_waiting(cases, rules, smtp, sms):
    phone, address = a_phone(), an_email()
    case = cases.file(phone, address)
    cases.act(case, "accept")
    send_due(cases.session, with_rules(rules, sms=with_rules(rules.sms, url=None)), ZONE)
    assert {m.channel: m.status for m in cases.messages(case)} == {"sms": "pending", "email": "sent"}
    assert sms.to(phone) == [] and len(smtp.to(address)) == 1
    send_due(cases.session, rules, ZONE)             # configured: it goes
    assert len(sms.to(phone)) == 1


def test_no_phone_number_or_email_address_reaches_the_log(cases, rules, smtp, sms, caplog):
    caplog.set_level(logging.DEBUG)
    phone, address = a_phone(), an_email()
    case = cases.file(phone, address)
    cases.act(case, "accept")
    sms.answers.append(500)
    smtp.stop()
    send_due(cases.session, rules, ZONE)               # both fail
    smtp.start()
    send_due(cases.session, rules, ZONE, datetime.now(timezone.utc) + timedelta(minutes=5))   # both sent
    erased = cases.file(phone, address)
    cases.act(erased, "accept")
    incident = loop.load(cases.session, erased)
    incident.reporter_phone = incident.reporter_email = incident.reporter_consent_at = None
    cases.session.commit()
    send_due(cases.session, rules, ZONE)               # cancelled

    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]    # aiosmtpd's is the receiver's
    lines = [r.getMessage() for r in ours]
    assert any("not delivered" in line for line in lines) and any("sent" in line for line in lines)
    assert any(f"{phone[:3]}****{phone[-4:]}" in line for line in lines)         # masked: who, not how to reach
    for line in lines:
        assert phone not in line and address not in line and address.split("@")[0] not in line


def test_a_server_process_starts_the_sender_when_ready_and_stops_it_when_it_ends(database_url, rules):
    """gunicorn's worker hooks (app/gunicorn_conf.py); with no channel configured there is none."""
    assert "gridmap.notify" not in create_app({"DATABASE_URL": database_url, **TEST_SETTINGS}).extensions
    app = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS, "notify": rules})
    worker = SimpleNamespace(wsgi=app)
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        gunicorn_conf.post_worker_init(worker)
        assert app.extensions["gridmap.notify"].running
        gunicorn_conf.worker_exit(None, worker)
        assert not app.extensions["gridmap.notify"].running
    finally:
        signal.signal(signal.SIGTERM, sigterm)


def test_a_message_that_cannot_be_put_in_words_does_not_hold_up_the_others(cases, rules, sms):
    broken, fine = cases.file(a_phone()), cases.file(phone := a_phone())
    cases.act(broken, "accept")
    cases.act(fine, "accept")
    cases.session.execute(text("UPDATE outbox_message SET params = '{}' WHERE incident_id = :id"), {"id": broken})
    cases.session.commit()
    done = send_due(cases.session, rules, ZONE)
    [message] = cases.messages(broken)
    assert message.id in done.failed and message.last_error == "words: KeyError"
    assert len(sms.delivered_to(phone)) == 1
