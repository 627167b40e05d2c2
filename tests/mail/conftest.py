"""Fixtures for the mail tests: the .eml corpus in tests/data/mail."""

from __future__ import annotations

import contextlib
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"


def eml(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def corpus() -> Path:
    return CORPUS


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The IMAP and SMTP test servers listen on loopback, which the address guard refuses by
    default: opened here explicitly, as an admin opens a mail server's private network."""
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    """Raw mail and attachments go to a temporary folder, not the data directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
        },
    }


@pytest.fixture
def mailbox(db):
    from loket.mail.models import Mailbox

    return Mailbox.objects.create(name="support", address="support@loket.test")


def build(
    *,
    sender: str = "Alice <alice@acme.test>",
    to: str = "support@loket.test",
    subject: str = "Banner does not show",
    body: str = "Our banner is gone since this morning.",
    message_id: str | None = "<m1@acme.test>",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """A mail as a mail program would write it."""
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 4 Mar 2024 10:00:00 +0100"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)


@pytest.fixture(scope="session")
def dovecot():
    """A real IMAP server on loopback, started once for the session."""
    from tests.mail.servers import (
        DOVECOT_PACKAGE,
        dovecot_binary,
        start_dovecot,
        start_token_server,
        stop_dovecot,
    )

    binary = dovecot_binary()
    if binary is None:
        pytest.skip(f"Dovecot is not installed (apt-get install -y {DOVECOT_PACKAGE})")
    tokens = start_token_server()
    url = f"http://127.0.0.1:{tokens.server_address[1]}/introspect"
    server = start_dovecot(binary, oauth2_introspection_url=url)
    server.tokens = tokens  # type: ignore[attr-defined]
    yield server
    stop_dovecot(server)
    tokens.shutdown()


MAIL_HOST = "mail.loket.test"  # the name on the TLS test server's certificate


@pytest.fixture(scope="session")
def dovecot_tls(tmp_path_factory):
    """A second Dovecot on loopback with a certificate for ``MAIL_HOST``: IMAPS on
    ``tls_port``, STARTTLS on ``port``. ``.certificate`` is the PEM file to trust."""
    from tests.lib.loopback import make_certificate
    from tests.mail.servers import DOVECOT_PACKAGE, dovecot_binary, start_dovecot, stop_dovecot

    binary = dovecot_binary()
    if binary is None:
        pytest.skip(f"Dovecot is not installed (apt-get install -y {DOVECOT_PACKAGE})")
    certificate = make_certificate(
        tmp_path_factory.mktemp("imap-tls"), days_valid=30, name=MAIL_HOST
    )
    server = start_dovecot(binary, certificate=certificate)
    server.certificate = certificate[0]  # type: ignore[attr-defined]
    yield server
    stop_dovecot(server)


@pytest.fixture
def imap_account(dovecot, request):
    """A fresh, empty IMAP account on the Dovecot server, and a client logged in to it."""
    import re

    from imapclient import IMAPClient

    from tests.mail.servers import PASSWORD

    user = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-40:] + str(id(request) % 1000)
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
    client.login(user, PASSWORD)
    yield user, client
    with contextlib.suppress(Exception):
        client.logout()


@pytest.fixture
def imap_mailbox(db, dovecot, imap_account):
    from loket.mail.models import Mailbox, Security

    user, _client = imap_account
    return Mailbox.objects.create(
        name=f"imap-{user}",
        address="support@loket.test",
        host=dovecot.host,
        port=dovecot.port,
        security=Security.NONE,
        username=user,
        password="imap-secret",
    )


# --- outgoing mail: a real SMTP server on loopback ----------------------------------------


class Collect:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def mta(settings):
    from tests.mail.servers import free_port

    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_NAME = "Acme Support"
    yield handler
    controller.stop()


@pytest.fixture
def cc_ticket(desk, mailbox):
    """A ticket opened by Alice's mail to the desk and a colleague, with her boss (and the
    desk itself) in Cc."""
    from loket.mail.ingest import ingest

    result = ingest(
        build(
            to="support@loket.test, Colleague <colleague@acme.test>",
            headers={"Cc": "Boss <boss@acme.test>, support@loket.test"},
        ),
        mailbox,
    )
    assert result.status == "stored"
    return result.ticket


def cc_header(mail) -> list[str]:
    return [a.strip() for a in str(mail["Cc"]).split(",")] if mail["Cc"] is not None else []
