"""SMS to reporters through an HTTP gateway (services/notify/sms.py): a URL template asked
with GET or a JSON POST, credentials, the outbox key as Idempotency-Key; anything but 2xx is
a failure to try again."""
from __future__ import annotations

import base64

import pytest

from app.config import SmsGateway
from app.services.notify import sms as gateway
from app.services.notify.delivery import Undelivered
from tests.conftest import free_port

KEY = "0b5c6f0e-8a59-4a57-9a0c-3c1f4f3d2b11"
TEXT = "您反映的“环境卫生”问题（编号 E1）已受理 & 正在处理?"


def test_a_url_with_placeholders_is_asked_with_get_the_values_encoded_and_basic_credentials(sms):
    url = f"http://127.0.0.1:{sms.port}/send?to={{phone}}&msg={{text}}&ref={{id}}"
    gateway.send(SmsGateway(url=url, user="city", password="pw"), "13912345678", TEXT, KEY)
    [request] = sms.requests
    assert request.method == "GET" and request.query == {"to": "13912345678", "msg": TEXT, "ref": KEY}
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"city:pw").decode()
    assert request.headers["idempotency-key"] == KEY


def test_a_plain_url_is_sent_the_message_as_json_with_a_bearer_token(sms):
    gateway.send(SmsGateway(url=sms.url, token="t0ken"), "13912345678", TEXT, KEY)
    [request] = sms.requests
    assert request.method == "POST" and request.path == "/send"
    assert request.body == {"phone": "13912345678", "text": TEXT, "id": KEY}
    assert request.headers["authorization"] == "Bearer t0ken"
    assert request.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("status", [400, 429, 500, 502])
def test_an_answer_other_than_2xx_is_a_failure(sms, status):
    sms.answers.append(status)
    with pytest.raises(Undelivered, match=f"http {status}"):
        gateway.send(SmsGateway(url=sms.url), "13912345678", TEXT, KEY)


def test_a_gateway_that_is_not_there_is_a_failure_named_by_its_kind():
    with pytest.raises(Undelivered, match="ConnectionRefusedError"):
        gateway.send(SmsGateway(url=f"http://127.0.0.1:{free_port()}/send"), "13912345678", TEXT, KEY)
