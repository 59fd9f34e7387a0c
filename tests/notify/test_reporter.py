"""The reporter is told at each step (issue 26): accepted with the time promised, resolved with
the public note, rejected with the reason it cannot be solved, closed with how to rate — by SMS
and by e-mail, in the language they reported in, only with a contact given with consent."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.config import IncidentRules
from app.services.incidents import loop
from app.services.incidents.loop import Participant
from app.services.notify.sender import send_due
from app.services.public import follow, reporting

from .conftest import OPERATOR, ZONE, a_phone, an_email, with_rules


def due_zh(incident) -> str:
    local = incident.due_resolve_at.astimezone(ZoneInfo(ZONE))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def due_en(incident) -> str:
    local = incident.due_resolve_at.astimezone(ZoneInfo(ZONE))
    return f"{local:%H:%M} on {local.day} {local:%b}"


def test_a_chinese_reporter_is_told_of_accept_resolve_and_close_by_sms_and_email(cases, rules, sms, smtp):
    phone, address = a_phone(), an_email()
    case = cases.file(phone, address, language="zh")
    incident = loop.load(cases.session, case)
    code = incident.code

    cases.act(case, "accept")
    send_due(cases.session, rules, ZONE)
    accepted = f"您反映的“环境卫生”问题（编号 {code}）已受理，预计 {due_zh(incident)} 前处理完毕。"
    assert [r.body["text"] for r in sms.to(phone)] == [accepted]
    [mail] = smtp.to(address)
    assert mail.message["Subject"] == f"您的报事已受理（{code}）"
    assert mail.body == accepted
    assert mail.message["From"] == "gridmap@city.example.cn"

    cases.act(case, "publish", note="垃圾桶已清空，并增加了清运次数。")
    cases.act(case, "resolve", note="清运完毕，已联系物业 13812345678")     # the worker's note stays inside
    send_due(cases.session, rules, ZONE)
    resolved = f"您反映的“环境卫生”问题（编号 {code}）已处理：垃圾桶已清空，并增加了清运次数。"
    assert [r.body["text"] for r in sms.to(phone)][1:] == [resolved]
    assert [m.body for m in smtp.to(address)][1:] == [resolved]

    cases.act(case, "verify")
    send_due(cases.session, rules, ZONE)
    closed = (f"您反映的“环境卫生”问题（编号 {code}）已办结。请打开报事时得到的查询链接，"
              "为办理结果打分（1–5 星）。")
    assert [r.body["text"] for r in sms.to(phone)][2:] == [closed]
    assert smtp.to(address)[2].message["Subject"] == f"您的报事已办结，请评价（{code}）"
    assert smtp.to(address)[2].body == closed
    assert len(sms.to(phone)) == len(smtp.to(address)) == 3      # each step once on each channel


def test_an_english_reporter_is_told_in_english_and_a_rejection_says_why(cases, rules, sms, smtp):
    phone, address = a_phone(), an_email()
    case = cases.file(phone, address, language="en")
    incident = loop.load(cases.session, case)
    code = incident.code

    cases.act(case, "accept")
    cases.act(case, "reject", note="The bins belong to a private estate; its manager (13912345678) will act.")
    send_due(cases.session, rules, ZONE)
    assert [r.body["text"] for r in sms.to(phone)] == [
        f"Your report {code} (Sanitation and litter) is accepted; we expect to deal with it by {due_en(incident)}.",
        f"Your report {code} (Sanitation and litter) cannot be solved. The reason: The bins belong to a "
        "private estate; its manager (***) will act."]
    assert [m.message["Subject"] for m in smtp.to(address)] == [
        f"Your report {code} is accepted", f"Your report {code} cannot be solved"]

    cases.act(case, "verify")           # a rejected case is closed when the operator checks it
    send_due(cases.session, rules, ZONE)
    assert smtp.to(address)[-1].body == (
        f"Your report {code} (Sanitation and litter) is closed. Please rate how it was handled (1 to 5 "
        "stars) through the link to follow your case that you were given when you reported.")


def test_a_resolve_without_a_public_note_says_the_work_is_being_checked(cases, rules, smtp):
    address = an_email()
    case = cases.file(email_address=address, language="zh")
    code = loop.load(cases.session, case).code
    cases.act(case, "accept")
    cases.act(case, "resolve", note="已清理")
    send_due(cases.session, rules, ZONE)
    assert smtp.to(address)[-1].body == f"您反映的“环境卫生”问题（编号 {code}）已处理，正在核查。"


def test_nothing_is_queued_for_a_case_without_a_contact(cases):
    case = cases.file(language=None, consent=False)
    for action, note in (("accept", None), ("resolve", "done"), ("verify", None)):
        cases.act(case, action, note)
    assert cases.messages(case) == []


def test_a_contact_is_told_only_on_the_channels_it_gave(cases):
    case = cases.file(email_address=an_email(), language=None)
    cases.act(case, "accept")
    [message] = cases.messages(case)
    assert (message.channel, message.step, message.language) == ("email", "accepted", "zh")


def test_a_step_that_does_not_commit_is_never_told(cases):
    case = cases.file(a_phone(), an_email())
    loop.act(cases.session, case, "accept", OPERATOR, datetime.now(timezone.utc))
    assert len(cases.messages(case)) == 2           # queued in the step's own transaction…
    cases.session.rollback()
    assert cases.messages(case) == []               # …and gone with it


def test_an_accept_is_told_once_per_round_of_work_not_again_after_an_escalation(cases):
    case = cases.file(email_address=an_email())
    cases.act(case, "accept")
    cases.act(case, "escalate", note="needs the community")
    cases.act(case, "accept")                       # the community takes it: no news to the resident
    cases.act(case, "resolve", note="done")
    cases.act(case, "reopen", note="the resident says it is back")
    cases.act(case, "accept")                       # a new round of work: told again
    assert [m.step for m in cases.messages(case)] == ["accepted", "resolved", "accepted"]



def test_the_message_at_close_carries_the_private_link_made_again_from_its_seed(cases, rules, sms, smtp):
    """The link is stored nowhere: the message at close makes it again from the case's seed and
    the server's secret, under the site's public address; without that address it says to open
    the link the resident was given."""
    secret, phone, address = "the deployment's secret", a_phone(), an_email()
    receipt = reporting.file(cases.session, reporting.Submission(
        "environment", "垃圾桶满了", *cases.point, phone=phone, email=address, consent=True),
        Participant("resident:web"), IncidentRules(), datetime.now(timezone.utc), secret, language="zh")
    cases.session.commit()
    cases.filed.append(receipt.incident_id)
    assert receipt.token not in str(cases.session.execute(text(
        "SELECT row_to_json(i) FROM incident i WHERE i.id = :i"), {"i": receipt.incident_id}).scalar())
    now = datetime.now(timezone.utc)
    loop.act(cases.session, receipt.incident_id, "assign", OPERATOR, now, level="grid")
    for action, note in (("accept", None), ("resolve", "已清运"), ("verify", None)):
        cases.act(receipt.incident_id, action, note)
    link = follow.link_maker("https://gridmap.city.example.cn", secret)
    send_due(cases.session, with_rules(rules, mail=with_rules(rules.mail, host=None)), ZONE, link=link)
    send_due(cases.session, rules, ZONE)        # the e-mail, by a sender that knows no address
    closed = sms.to(phone)[-1].body["text"]
    assert closed.endswith(f"：https://gridmap.city.example.cn/r/{receipt.token}") and "打分" in closed
    assert "查询链接" in smtp.to(address)[-1].body
    # the link opens the resident's case
    token = closed.rsplit("/r/", 1)[1]
    assert follow.find(cases.session, token, datetime.now(timezone.utc), 90).id == receipt.incident_id
