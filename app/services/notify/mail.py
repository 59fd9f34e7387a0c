"""E-mail through SMTP (settings: GRIDMAP_SMTP_*, GRIDMAP_MAIL_FROM): STARTTLS, TLS from the
first byte (ssl) or plain, as set; credentials when given.

The Message-ID is the outbox message's key: should a message go twice (the server took it and
the process died before the outbox row was marked sent), the copies are one message to a mail
client and to any server that deduplicates."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from ...config import MailServer
from .delivery import Undelivered, of


def configured(server: MailServer) -> bool:
    return bool(server.host)


def message_id(server: MailServer, key: str) -> str:
    domain = server.sender.rpartition("@")[2] or "gridmap.localhost"
    return f"<{key}@{domain}>"


def compose(server: MailServer, to: str, subject: str, body: str, key: str) -> EmailMessage:
    message = EmailMessage()     # headers outside ASCII are encoded (RFC 2047), the body as UTF-8
    message["From"] = server.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(server, key)
    message.set_content(body, charset="utf-8")
    return message


def send(server: MailServer, to: str, subject: str, body: str, key: str) -> None:
    """Raises Undelivered unless the server accepted the message for its recipient."""
    message = compose(server, to, subject, body, key)
    try:
        if server.tls == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_s,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
        with smtp:
            if server.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _ in error.recipients.values()})
        raise Undelivered(f"smtp {','.join(map(str, codes))}") from None
    except smtplib.SMTPResponseException as error:
        raise Undelivered(f"smtp {error.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as error:       # refused, reset, timed out, TLS
        raise Undelivered(of(error)) from None
