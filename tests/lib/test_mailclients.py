"""SMTP clients through the address guard, against real aiosmtpd servers on loopback: mail is
delivered to the checked address, TLS verifies the entered name, refused hosts are never
connected to. (IMAP: tests/mail/test_mailbox_guard.py, against Dovecot.)"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from loket.lib.mailclients import GuardedSMTP, GuardedSMTPSSL
from loket.lib.netguard import Policy, Refused
from tests.lib.connects import Listener, recorded_connects
from tests.lib.loopback import make_certificate
from tests.mail.servers import free_port

NAME = "smtp.loket.test"
NAMES = {NAME: ["127.0.0.1"], "other.loket.test": ["127.0.0.1"]}
LOOPBACK = Policy.allowing("127.0.0.0/8")


def resolver(host: str, port: int) -> list[str]:
    return NAMES[host]


class Collect:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.mails.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"), days_valid=30, name=NAME)


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


@pytest.fixture
def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Collect, int]]:
    handler = Collect()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=_server_context(certificate)
    )
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def smtps_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Collect, int]]:
    handler = Collect()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate)
    )
    controller.start()
    yield handler, port
    controller.stop()


def test_starttls_mail_goes_to_the_checked_address_and_verifies_the_name(
    starttls_server: tuple[Collect, int], trusting: ssl.SSLContext
) -> None:
    handler, port = starttls_server
    # given a name only the guard's resolver knows; when a mail is sent over STARTTLS
    with GuardedSMTP(NAME, port, policy=LOOPBACK, resolver=resolver, timeout=10) as smtp:
        smtp.starttls(context=trusting)
        smtp.sendmail("desk@loket.test", ["alice@acme.test"], b"Subject: hi\r\n\r\nHello\r\n")
    # then it arrives
    assert handler.mails == [("desk@loket.test", ["alice@acme.test"])]
    # and the same server under a name not on its certificate fails TLS (the name is checked,
    # not the address, although 127.0.0.1 is on the certificate)
    other = GuardedSMTP("other.loket.test", port, policy=LOOPBACK, resolver=resolver, timeout=10)
    with other, pytest.raises(ssl.SSLCertVerificationError, match=r"[Hh]ostname mismatch"):
        other.starttls(context=trusting)


def test_smtps_goes_through_the_guard_and_verifies_the_name(
    smtps_server: tuple[Collect, int], trusting: ssl.SSLContext
) -> None:
    handler, port = smtps_server
    with GuardedSMTPSSL(NAME, port, policy=LOOPBACK, resolver=resolver, context=trusting,
                        timeout=10) as smtp:  # fmt: skip
        smtp.sendmail("desk@loket.test", ["bob@acme.test"], b"Subject: hi\r\n\r\nHello\r\n")
    assert handler.mails == [("desk@loket.test", ["bob@acme.test"])]
    with pytest.raises(ssl.SSLCertVerificationError):
        GuardedSMTPSSL("other.loket.test", port, policy=LOOPBACK, resolver=resolver,
                       context=trusting, timeout=10)  # fmt: skip


@pytest.mark.parametrize("client", [GuardedSMTP, GuardedSMTPSSL])
def test_refused_smtp_hosts_are_never_connected_to(client: type[GuardedSMTP]) -> None:
    # given a real server on loopback, and a name pointing at the metadata service
    with Listener("127.0.0.1") as server, recorded_connects() as connects:
        # when SMTP clients are aimed at them with the default policy
        with pytest.raises(Refused, match="loopback"):
            client("127.0.0.1", server.port, policy=Policy(), timeout=5)
        with pytest.raises(Refused, match="metadata"):
            client("meta.test", 25, policy=Policy.allowing("0.0.0.0/0"), timeout=5,
                   resolver=lambda h, p: ["169.254.169.254"])  # fmt: skip
        # then no connection was attempted
        assert connects == []
        assert server.untouched()
