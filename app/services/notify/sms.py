"""SMS through an HTTP gateway (settings: GRIDMAP_SMS_*).

A URL with {phone} and {text} in it is asked with GET, the values filled in (URL-encoded); any
other URL is sent {"phone", "text", "id"} as JSON by POST. Every request carries the message's
key as `Idempotency-Key` (and {id}/"id"): the one moment a message can go twice — the gateway
took it and the process died before the outbox row was marked sent — the gateway can tell it
has seen it. Any answer but 2xx is a failure, tried again later.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import quote

from ...config import SmsGateway
from .delivery import Undelivered, of

PLACEHOLDERS = ("{phone}", "{text}", "{id}")


def configured(gateway: SmsGateway) -> bool:
    return bool(gateway.url)


def send(gateway: SmsGateway, phone: str, text: str, key: str) -> None:
    """Raises Undelivered unless the gateway answered 2xx."""
    request = _request(gateway, phone, text, key)
    try:
        with urllib.request.urlopen(request, timeout=gateway.timeout_s) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raise Undelivered(f"http {error.code}") from None
    except urllib.error.URLError as error:
        raise Undelivered(of(error.reason) if isinstance(error.reason, BaseException) else "URLError") from None
    except OSError as error:           # a timeout, a connection reset while reading
        raise Undelivered(of(error)) from None
    if not 200 <= status < 300:
        raise Undelivered(f"http {status}")


def _request(gateway: SmsGateway, phone: str, text: str, key: str) -> urllib.request.Request:
    headers = {"Idempotency-Key": key}
    if gateway.token:
        headers["Authorization"] = f"Bearer {gateway.token}"
    elif gateway.user:
        pair = f"{gateway.user}:{gateway.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    url = gateway.url
    if any(p in url for p in PLACEHOLDERS):
        for placeholder, value in zip(PLACEHOLDERS, (phone, text, key)):
            url = url.replace(placeholder, quote(value, safe=""))
        return urllib.request.Request(url, headers=headers, method="GET")
    body = json.dumps({"phone": phone, "text": text, "id": key}, ensure_ascii=False).encode()
    headers["Content-Type"] = "application/json; charset=utf-8"
    return urllib.request.Request(url, data=body, headers=headers, method="POST")
