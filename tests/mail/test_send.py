"""Outgoing mail through a real SMTP server on loopback (aiosmtpd as the MTA)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from loket.mail.ingest import ingest
from loket.mail.models import BouncedAddress, Delivery, Direction, MailRecord, Outcome
from loket.mail.send import (
    MAX_ATTEMPTS,
    send_acknowledgement,
    send_closing_notice,
    send_reply,
)
from loket.mail.tasks import closing_notice
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, State
from loket.tickets.tasks import notify_customer_of_reply
from tests.mail.conftest import build, eml
from tests.mail.servers import free_port


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
    assert bounce.ticket == ticket and ticket.messages.count() == 3  # + the bounce note


def test_reply_goes_to_everyone_the_customer_had_in_cc_but_not_to_the_desk(desk, mailbox, mta):
    # given a customer's mail to the desk and a colleague, with their manager in Cc
    ticket = _mail_ticket(
        desk, mailbox, to="support@loket.test, Colleague <colleague@acme.test>",
        headers={"Cc": "Boss <BOSS@acme.test>, support@loket.test"},
    )  # fmt: skip
    # when an agent replies
    reply = actions.reply(ticket, body="Fixed.", by=desk.agent)
    record = send_reply(reply.pk)
    # then the reply goes to the customer, with the others in Cc; never to the desk itself
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "boss@acme.test", "colleague@acme.test"]
    assert str(mail["To"]) == "alice@acme.test"
    assert sorted(a.strip() for a in str(mail["Cc"]).split(",")) == [
        "boss@acme.test",
        "colleague@acme.test",
    ]
    assert record.recipients == ["alice@acme.test", "colleague@acme.test", "boss@acme.test"]


def test_no_cc_to_an_address_that_bounced(desk, mailbox, mta):
    BouncedAddress.objects.create(
        address="gone@acme.test", bounces=1, last_status="5.1.1", last_bounce_at=timezone.now()
    )
    ticket = _mail_ticket(desk, mailbox, headers={"Cc": "gone@acme.test"})
    send_reply(actions.reply(ticket, body="Fixed.", by=desk.agent).pk)
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["alice@acme.test"] and mail["Cc"] is None


def test_reply_footer_follows_the_customers_language_and_register(desk, mailbox, mta):
    desk.acme_bob.language, desk.acme_bob.formality = "nl", "informal"
    desk.acme_bob.save()
    informal = _mail_ticket(desk, mailbox, sender="bob@acme.test", message_id="<je@acme.test>")
    send_reply(actions.reply(informal, body="Opgelost.", by=desk.agent).pk)
    desk.acme_alice.language = "nl"
    desk.acme_alice.save()
    formal = _mail_ticket(desk, mailbox, message_id="<u@acme.test>")
    send_reply(actions.reply(formal, body="Opgelost.", by=desk.agent).pk)
    english = _mail_ticket(desk, mailbox, sender="carol@globex.test", message_id="<en@g.test>")
    send_reply(actions.reply(english, body="Solved.", by=desk.agent).pk)
    texts = [m.get_body(("plain",)).get_content() for _f, _r, m in mta.mails]
    assert "Je kunt dit ook lezen" in texts[0] and f"[#{informal.pk}]" in texts[0]
    assert "U kunt dit ook lezen" in texts[1]
    assert "You can also read and answer this" in texts[2]
    assert "Opgelost." in texts[0] and "Solved." in texts[2]


def test_resolving_a_mail_ticket_sends_one_closing_notice(desk, mailbox, mta):
    from django_tasks_db.models import DBTaskResult

    # given a ticket opened by mail by an informal Dutch customer, answered by an agent
    desk.acme_bob.language, desk.acme_bob.formality = "nl", "informal"
    desk.acme_bob.save()
    ticket = _mail_ticket(desk, mailbox, sender="bob@acme.test", message_id="<c@acme.test>")
    actions.reply(ticket, body="Opgelost.", by=desk.agent)
    # when the agent marks it solved, the notice is queued in the same transaction
    actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    queued = DBTaskResult.objects.filter(task_path="loket.mail.tasks.closing_notice")
    assert queued.count() == 1
    ticket_id, event_id = queued.get().args_kwargs["args"]
    closing_notice.call(ticket_id, event_id)
    # then one automatic mail went out, in the thread, in informal Dutch
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["bob@acme.test"]
    assert str(mail["Auto-Submitted"]) == "auto-generated"
    assert str(mail["In-Reply-To"]) == "<c@acme.test>"
    text = mail.get_body(("plain",)).get_content()
    assert "als opgelost gemarkeerd" in text and "je vraag" in text
    # and running the task again sends nothing more
    assert send_closing_notice(ticket_id, event_id) is None
    assert len(mta.mails) == 1


def test_no_closing_notice_when_reopened_bounced_or_not_by_mail(desk, mailbox, mta):
    ticket = _mail_ticket(desk, mailbox, message_id="<r@acme.test>")
    actions.reply(ticket, body="Done.", by=desk.agent)
    actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    event = ticket.events.filter(kind=EventKind.STATE).latest("pk")
    actions.change_state(ticket, State.OPEN, by=desk.agent)  # reopened before the task ran
    assert send_closing_notice(ticket.pk, event.pk) is None
    # an address that bounced hard gets no automatic mail
    BouncedAddress.objects.create(
        address="alice@acme.test", bounces=1, last_status="5.1.1", last_bounce_at=timezone.now()
    )
    actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    event = ticket.events.filter(kind=EventKind.STATE).latest("pk")
    assert send_closing_notice(ticket.pk, event.pk) is None
    # a ticket opened in the portal is not told by mail
    web = actions.create_ticket(
        subject="Web", body="From the portal", customer=desk.acme_bob, channel=Channel.WEB,
        by=desk.acme_bob,
    )  # fmt: skip
    actions.reply(web, body="Done.", by=desk.agent)
    actions.change_state(web, State.RESOLVED, by=desk.agent)
    event = web.events.filter(kind=EventKind.STATE).latest("pk")
    assert send_closing_notice(web.pk, event.pk) is None
    assert mta.mails == []


def test_an_acknowledgement_that_failed_is_delivered_on_the_retry(desk, mailbox, mta, settings):
    ticket = _mail_ticket(desk, mailbox, message_id="<retry@acme.test>")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the MTA is down
    with pytest.raises(OSError):
        send_acknowledgement(ticket.pk)
    record = MailRecord.objects.get(direction=Direction.OUT, ticket=ticket)
    assert record.delivery_status == Delivery.PENDING and record.delivery_attempts == 1
    # when the task runs again with the MTA back, the same mail (same Message-ID) goes out once
    settings.EMAIL_PORT = working_port
    again = send_acknowledgement(ticket.pk)
    assert again is not None and again.pk == record.pk
    ((_from, _rcpt, mail),) = mta.mails
    assert str(mail["Message-ID"]) == f"<{record.message_id}>"
    assert send_acknowledgement(ticket.pk) is None and len(mta.mails) == 1
