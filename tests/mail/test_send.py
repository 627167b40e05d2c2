"""Outgoing mail through a real SMTP server on loopback (aiosmtpd as the MTA)."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from loket.mail.ingest import ingest
from loket.mail.models import BouncedAddress, Delivery, Direction, MailRecord, Outcome
from loket.mail.send import MAX_ATTEMPTS, send_acknowledgement, send_reply
from loket.tickets import actions
from loket.tickets.tasks import notify_customer_of_reply
from tests.mail.conftest import build, eml
from tests.mail.servers import free_port


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


def _mail_ticket(desk, mailbox, **kwargs):
    result = ingest(build(**kwargs), mailbox)
    assert result.status == "stored"
    return result.ticket


def test_agent_reply_goes_out_threaded_with_own_message_id(desk, mailbox, mta):
    # given a ticket opened by a customer's mail to the desk address
    ticket = _mail_ticket(desk, mailbox, message_id="<question@acme.test>")
    # when an agent replies and the mail task runs
    reply = actions.reply(ticket, body="We restored the banner.", by=desk.agent)
    notify_customer_of_reply.call(reply.pk)
    # then the MTA received one mail for the customer, from the agent via the desk
    ((mail_from, rcpt, mail),) = mta.mails
    assert rcpt == ["alice@acme.test"] and mail_from == "support@loket.test"
    assert str(mail["From"]) == "Anna de Vries via Acme Support <support@loket.test>"
    assert str(mail["Subject"]) == f"[#{ticket.pk}] Banner does not show"
    record = reply.mail
    assert str(mail["Message-ID"]) == f"<{record.message_id}>"
    assert record.message_id.startswith(f"loket.{ticket.pk}.{reply.pk}.")
    assert str(mail["In-Reply-To"]) == "<question@acme.test>"
    assert "<question@acme.test>" in str(mail["References"])
    assert mail["Auto-Submitted"] is None  # a person wrote it
    assert mail.get_content_type() == "multipart/alternative"
    assert "We restored the banner." in mail.get_body(("plain",)).get_content()
    assert "We restored the banner." in mail.get_body(("html",)).get_content()
    # and the message shows it was delivered
    record.refresh_from_db()
    assert record.delivery_status == Delivery.SENT and record.sent_at is not None


def test_the_customers_answer_to_our_mail_threads_back(desk, mailbox, mta):
    ticket = _mail_ticket(desk, mailbox, message_id="<q2@acme.test>")
    reply = actions.reply(ticket, body="Could you send a screenshot?", by=desk.agent)
    send_reply(reply.pk)
    sent_id = str(mta.mails[0][2]["Message-ID"])
    # when the customer answers with another subject, quoting our mail
    answer = build(
        subject="screenshot",
        message_id="<a2@acme.test>",
        in_reply_to=sent_id,
        references=f"<q2@acme.test> {sent_id}",
    )
    # then it lands on the same ticket
    assert ingest(answer, mailbox).ticket == ticket


def test_sending_twice_delivers_once(desk, mailbox, mta):
    ticket = _mail_ticket(desk, mailbox)
    reply = actions.reply(ticket, body="Done.", by=desk.agent)
    send_reply(reply.pk)
    send_reply(reply.pk)
    assert len(mta.mails) == 1


def test_attachments_go_along(desk, mailbox, mta):
    ticket = _mail_ticket(desk, mailbox)
    reply = actions.reply(
        ticket,
        body="See the attached invoice.",
        by=desk.agent,
        attachments=[actions.NewAttachment("invoice.pdf", b"%PDF-1.4 test")],
    )
    send_reply(reply.pk)
    mail = mta.mails[0][2]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"


def test_unreachable_mta_leaves_it_pending_then_failed(desk, mailbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    ticket = _mail_ticket(desk, mailbox)
    reply = actions.reply(ticket, body="Hello", by=desk.agent)
    with pytest.raises(OSError):
        send_reply(reply.pk)
    record = MailRecord.objects.get(ticket_message=reply)
    assert record.delivery_status == Delivery.PENDING
    assert record.delivery_attempts == 1 and "ConnectionRefused" in record.delivery_error
    # the task wrapper retries with backoff; the last attempt marks it failed
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(OSError):
            send_reply(reply.pk)
    record.refresh_from_db()
    assert record.delivery_status == Delivery.FAILED
    assert record.get_delivery_status_display() == "Failed"


def test_line_breaks_in_names_are_refused_before_any_mail_is_built(desk, mailbox, mta):
    # given an agent whose display name tries to add a Bcc header
    desk.agent.display_name = "Anna\r\nBcc: victim@example.test"
    desk.agent.save()
    ticket = _mail_ticket(desk, mailbox)
    reply = actions.reply(ticket, body="Hi", by=desk.agent)
    record = send_reply(reply.pk)
    # then nothing is sent and the message shows why
    assert mta.mails == []
    assert record is not None and record.delivery_status == Delivery.FAILED
    assert "line break" in record.delivery_error


def test_acknowledgement_is_automatic_and_in_the_customers_register(desk, mailbox, mta):
    # given a Dutch customer who prefers "je", opening a ticket by mail
    desk.acme_bob.language, desk.acme_bob.formality = "nl", "informal"
    desk.acme_bob.save()
    ticket = _mail_ticket(desk, mailbox, sender="bob@acme.test", message_id="<nl@acme.test>")
    # when the acknowledgement task runs
    record = send_acknowledgement(ticket.pk)
    # then one automatic mail went out, marked as such, in informal Dutch
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["bob@acme.test"]
    assert str(mail["Auto-Submitted"]) == "auto-replied"
    assert str(mail["In-Reply-To"]) == "<nl@acme.test>"
    text = mail.get_body(("plain",)).get_content()
    assert "Bedankt voor je bericht" in text and f"[#{ticket.pk}]" in text
    assert record is not None and record.automatic and record.delivery_status == Delivery.SENT
    # and never a second one for the same ticket
    assert send_acknowledgement(ticket.pk) is None
    assert len(mta.mails) == 1


def test_acknowledgement_formal_dutch_and_english(desk, mailbox, mta):
    desk.acme_alice.language = "nl"
    desk.acme_alice.save()
    formal = _mail_ticket(desk, mailbox, message_id="<f@acme.test>")
    send_acknowledgement(formal.pk)
    english = _mail_ticket(desk, mailbox, sender="carol@globex.test", message_id="<e@g.test>")
    send_acknowledgement(english.pk)
    texts = [m.get_body(("plain",)).get_content() for _f, _r, m in mta.mails]
    assert "Hartelijk dank voor uw bericht" in texts[0]
    assert "Thank you for your message" in texts[1]


def test_no_acknowledgement_to_automatic_mail_and_a_cap_per_address(desk, mailbox, mta, settings):
    newsletter = ingest(eml("newsletter_bulk.eml"), mailbox).ticket
    assert send_acknowledgement(newsletter.pk) is None
    settings.MAIL_ACKS_PER_HOUR = 2
    for i in range(3):
        ticket = _mail_ticket(desk, mailbox, message_id=f"<cap{i}@acme.test>", subject=f"T{i}")
        send_acknowledgement(ticket.pk)
    assert len(mta.mails) == 2


def test_new_mail_enqueues_the_acknowledgement_in_the_same_transaction(desk, mailbox):
    from django_tasks_db.models import DBTaskResult

    _mail_ticket(desk, mailbox, message_id="<enq@acme.test>")
    assert DBTaskResult.objects.filter(task_path="loket.mail.tasks.acknowledge_ticket").count() == 1
    ingest(eml("noreply.eml"), mailbox)
    assert DBTaskResult.objects.filter(task_path="loket.mail.tasks.acknowledge_ticket").count() == 1


def test_a_bounce_of_a_sent_reply_shows_on_the_message(desk, mailbox, mta):
    ticket = _mail_ticket(desk, mailbox)
    reply = actions.reply(ticket, body="Hello", by=desk.agent)
    record = send_reply(reply.pk)
    dsn = eml("bounce_dsn.eml").replace(
        b"loket.55.120.bb77cc@loket.test", record.message_id.encode()
    )
    ingest(dsn, mailbox)
    record.refresh_from_db()
    assert record.delivery_status == Delivery.BOUNCED and "User unknown" in record.delivery_error
    assert BouncedAddress.objects.filter(address="gone@acme.test").exists()
    bounce = MailRecord.objects.get(direction=Direction.IN, outcome=Outcome.BOUNCE)
    assert bounce.ticket == ticket and ticket.messages.count() == 2
