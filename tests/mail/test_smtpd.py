"""`loket smtpd`: push delivery over SMTP and LMTP from the company's MTA (aiosmtpd, loopback)."""

from __future__ import annotations

import smtplib

import pytest

from loket.mail.imap import poll
from loket.mail.models import Mailbox, MailRecord
from loket.mail.smtpd import make_controller
from loket.tickets.models import Ticket
from tests.mail.conftest import build
from tests.mail.servers import free_port

# The receiver stores mail from its own thread, so the data must really be committed; the
# serialized rollback brings back the teams that a migration creates.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtpd():
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def test_push_delivery_is_stored_before_250(desk, smtpd):
    # given a mailbox for the desk address
    Mailbox.objects.create(name="support", address="support@loket.test")
    raw = build(message_id="<push1@acme.test>")
    # when the MTA delivers a mail to it
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        refused = client.sendmail("alice@acme.test", ["Support@Loket.test"], raw)
    # then it was accepted only once it was stored, in the mailbox of that address
    assert refused == {}
    record = MailRecord.objects.get(message_id="push1@acme.test")
    assert record.mailbox is not None and record.mailbox.name == "support"
    assert record.ticket_message is not None
    with record.raw.open("rb") as handle:
        assert handle.read() == raw


def test_unknown_recipient_goes_to_the_default_mailbox_and_repeats_are_no_ops(desk, smtpd):
    raw = build(message_id="<push2@acme.test>")
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
            client.sendmail("alice@acme.test", ["other@loket.test"], raw)
    assert Mailbox.objects.get(name="smtp").records.count() == 1
    assert Ticket.objects.count() == 1


def test_same_mail_by_imap_and_by_smtp_is_stored_once(desk, smtpd, dovecot, imap_account):
    # given an IMAP mailbox for the desk address, that also gets the mail pushed by the MTA
    from loket.mail.models import Security

    user, client = imap_account
    mailbox = Mailbox.objects.create(
        name="both", address="support@loket.test", host=dovecot.host, port=dovecot.port,
        security=Security.NONE, username=user, password="imap-secret",
    )  # fmt: skip
    raw = build(message_id="<both@acme.test>")
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as smtp:
        smtp.sendmail("alice@acme.test", ["support@loket.test"], raw)
    client.append("INBOX", raw)
    # when the IMAP copy is fetched too
    result = poll(mailbox)
    # then it is recognised as the same mail
    assert (result.fetched, result.duplicates) == (1, 1)
    assert MailRecord.objects.filter(message_id="both@acme.test").count() == 1


def test_lmtp(desk):
    port = free_port()
    controller = make_controller("127.0.0.1", port, lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.sendmail("alice@acme.test", ["support@loket.test"], build(message_id="<l@a.t>"))
    finally:
        controller.stop()
    assert MailRecord.objects.filter(message_id="l@a.t").exists()


def test_oversized_mail_is_refused_by_the_receiver(desk, settings):
    settings.MAIL_MAX_MB = 1
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        raw = build(body="x" * (2 * 1024 * 1024))
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
            pytest.raises(smtplib.SMTPException),
        ):
            client.sendmail("alice@acme.test", ["support@loket.test"], raw)
    finally:
        controller.stop()
    assert not MailRecord.objects.exists()
