"""The outbox's backlog on /healthz (services/health/outbox.py) and the commands for it: what
waits, per channel, what was given up on, how long the oldest has waited — a warning when it
grows, never an outage."""
from __future__ import annotations

from sqlalchemy import text

from app.services.health.outbox import outbox_status
from app.services.notify.sender import send_due

from .conftest import ZONE, a_phone, an_email, with_rules


def waited_since(cases, case, hours: float) -> None:
    cases.session.execute(text("UPDATE outbox_message SET created_at = now() - make_interval(hours => :h) "
                               "WHERE incident_id = :id"), {"h": hours, "id": case})
    cases.session.commit()


def test_healthz_shows_the_backlog_and_warns_of_dead_messages_and_channels_not_configured(
        cases, rules, sms, client, runner):
    given_up = cases.file(a_phone())
    cases.act(given_up, "accept")
    sms.answers.append(500)
    send_due(cases.session, with_rules(rules, max_attempts=1), ZONE)
    waiting = cases.file(email_address=an_email())
    cases.act(waiting, "accept")
    waited_since(cases, waiting, 2)

    response = client.get("/healthz", headers={"Accept-Language": "en"})
    assert response.status_code == 200                  # kept, not lost: no reason to take the server out
    body = response.get_json()
    assert body["status"] == "warning"
    sms_status, email_status = body["notify"]["sms"], body["notify"]["email"]
    assert sms_status["configured"] is False and sms_status["dead"] >= 1     # this app sends nothing
    assert email_status["queued"] >= 1 and email_status["oldest_waiting_s"] >= 2 * 3600
    warnings = {w["code"]: w["message"] for w in body["notify"]["warnings"]}
    assert set(warnings) >= {"notify.dead", "notify.not_configured"}
    assert warnings["notify.not_configured"].startswith("Messages to reporters by e-mail are waiting, but no "
                                                        "e-mail channel is configured")
    zh = client.get("/healthz").get_json()["notify"]["warnings"]
    assert any("条给报事人的短信多次发送失败" in w["message"] for w in zh if w["code"] == "notify.dead")

    result = runner.invoke(args=["notify", "retry", "--channel", "sms"])
    assert result.exit_code == 0 and "queued again" in result.output
    [message] = cases.messages(given_up)
    assert (message.status, message.attempts) == ("pending", 0)


def test_a_configured_channels_backlog_is_a_warning_once_its_oldest_message_passes_the_bound(cases, rules):
    case = cases.file(a_phone())
    cases.act(case, "accept")
    assert not [w for w in outbox_status(cases.session, rules)["warnings"] if w[0] == "notify.waiting"]
    waited_since(cases, case, 1)                        # the bound is 30 minutes
    status = outbox_status(cases.session, rules)
    assert status["sms"]["configured"] is True and status["sms"]["queued"] >= 1
    [(code, params)] = [w for w in status["warnings"] if w[0] == "notify.waiting"]
    assert int(params["minutes"]) >= 60 and params["bound"] == "30"


def test_sending_by_hand_needs_a_channel(runner):
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code != 0 and "GRIDMAP_SMTP_HOST" in result.output
