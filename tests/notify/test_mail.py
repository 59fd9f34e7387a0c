"""E-mail to reporters through SMTP (services/notify/mail.py): STARTTLS or TLS from the first
byte with credentials, or plain; a UTF-8 subject and body; the outbox key as the Message-ID."""
from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult

from app.config import MailServer
from app.services.notify import mail
from app.services.notify.delivery import Undelivered

from .conftest import Recorder, SmtpServer

KEY = "0b5c6f0e-8a59-4a57-9a0c-3c1f4f3d2b11"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, which the client is told to trust."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class Checking(Recorder):
    """Also notes whether each message came over TLS and from a signed-in client."""

    def __init__(self):
        super().__init__()
        self.sessions = []

    async def handle_DATA(self, server, session, envelope):
        over_tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append((over_tls, session.authenticated))
        return await super().handle_DATA(server, session, envelope)


def password_check(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (b"gridmap", b"s3cret"))


def tls_server(certificate, **options) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = SmtpServer(authenticator=password_check, auth_required=True, **{
        k: (context if v is True else v) for k, v in options.items()})
    server.recorder = Checking()
    return server


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")     # aiosmtpd's, for "ssl"
def test_mail_goes_over_tls_with_credentials(tls, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))      # the client trusts our certificate
    # aiosmtpd offers AUTH only after its own STARTTLS unless told the connection is safe already
    server = tls_server(certificate, **({"tls_context": True, "require_starttls": True} if tls == "starttls"
                                        else {"ssl_context": True, "auth_require_tls": False}))
    server.start()
    try:
        settings = MailServer(host="127.0.0.1", port=server.port, tls=tls, user="gridmap", password="s3cret",
                              sender="gridmap@city.example.cn")
        mail.send(settings, "resident@example.cn", "您的报事已受理（E1）", "已受理，预计明天处理。", KEY)
        [arrived] = server.recorder.mails
        assert server.recorder.sessions == [(True, True)]
        assert arrived.message["Subject"] == "您的报事已受理（E1）"
        assert arrived.body == "已受理，预计明天处理。"
        assert arrived.message["Message-ID"] == f"<{KEY}@city.example.cn>"
        assert arrived.message.get_content_charset() == "utf-8"

        # refused (535); smtplib then tries LOGIN, which aiosmtpd leaves unanswered: either way, not sent
        wrong = MailServer(host="127.0.0.1", port=server.port, tls=tls, user="gridmap", password="guess",
                           timeout_s=1)
        with pytest.raises(Undelivered):
            mail.send(wrong, "resident@example.cn", "s", "b", KEY)
        assert len(server.recorder.mails) == 1
    finally:
        server.stop()


def test_a_certificate_the_client_does_not_trust_is_a_failure_not_a_plain_text_fallback(certificate):
    server = tls_server(certificate, tls_context=True, require_starttls=True)
    server.start()
    try:
        settings = MailServer(host="127.0.0.1", port=server.port, tls="starttls", user="gridmap", password="s3cret")
        with pytest.raises(Undelivered, match="SSLCertVerificationError"):
            mail.send(settings, "resident@example.cn", "s", "b", KEY)
        assert server.recorder.mails == []
    finally:
        server.stop()


def test_a_server_that_is_not_there_is_a_failure_to_try_again(smtp):
    smtp.stop()
    with pytest.raises(Undelivered, match="ConnectionRefusedError"):
        mail.send(MailServer(host="127.0.0.1", port=smtp.port, tls="none"), "resident@example.cn", "s", "b", KEY)
