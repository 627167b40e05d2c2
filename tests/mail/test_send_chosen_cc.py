"""Agents choose the Cc of a reply: checked when stored, sent exactly through a real SMTP server."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from loket.mail.addresses import InvalidCc, clean_cc, split_addresses
from loket.mail.models import BouncedAddress, Delivery, MailRecord
from loket.mail.send import send_reply
from loket.tickets import actions
from loket.tickets.actions import ActionError
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind
from loket.tickets.tasks import notify_customer_of_reply
from tests.mail.conftest import cc_header
from tests.mail.servers import free_port

NOTIFY = "loket.tickets.tasks.notify_customer_of_reply"


def _reply_event(message: Message) -> Event:
    return Event.objects.get(kind=EventKind.MESSAGE, message=message)


def test_the_cc_the_agent_chose_is_sent_exactly(desk, cc_ticket, mta):
    # given a mail ticket whose automatic Cc would be the colleague and the boss
    # when the agent chooses other addresses (mixed case, twice, with the customer and the desk)
    reply = actions.reply(
        cc_ticket,
        body="Fixed.",
        by=desk.agent,
        cc=[
            "Partner@Example.test",
            " lawyer@example.test ",
            "partner@example.test",
            "ALICE@acme.test",
            "support@loket.test",
        ],
    )
    # then the choice is stored tidied (lower case, once, without the customer and the desk)
    assert reply.cc == ["partner@example.test", "lawyer@example.test"]
    assert _reply_event(reply).after == {
        "kind": MessageKind.REPLY,
        "cc": ["partner@example.test", "lawyer@example.test"],
    }
    # and when the mail task runs, the server gets exactly those recipients and that Cc header
    notify_customer_of_reply.call(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "lawyer@example.test", "partner@example.test"]
    assert str(mail["To"]) == "alice@acme.test"
    assert cc_header(mail) == ["partner@example.test", "lawyer@example.test"]
    record = MailRecord.objects.get(ticket_message=reply)
    assert record.recipients == ["alice@acme.test", "partner@example.test", "lawyer@example.test"]
    assert record.delivery_status == Delivery.SENT


def test_an_empty_cc_sends_to_the_customer_only(desk, cc_ticket, mta):
    reply = actions.reply(cc_ticket, body="Only for you.", by=desk.agent, cc=[])
    assert reply.cc == []
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["alice@acme.test"] and mail["Cc"] is None


def test_no_choice_keeps_reply_to_all(desk, cc_ticket, mta):
    reply = actions.reply(cc_ticket, body="Fixed.", by=desk.agent, cc=None)
    assert reply.cc is None
    assert _reply_event(reply).after == {"kind": MessageKind.REPLY}  # as before
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "boss@acme.test", "colleague@acme.test"]
    assert cc_header(mail) == ["colleague@acme.test", "boss@acme.test"]


def test_a_chosen_address_that_bounced_hard_is_left_out(desk, cc_ticket, mta):
    BouncedAddress.objects.create(
        address="gone@example.test", bounces=1, last_status="5.1.1", last_bounce_at=timezone.now()
    )
    reply = actions.reply(
        cc_ticket, body="Fixed.", by=desk.agent, cc=["gone@example.test", "here@example.test"]
    )
    assert reply.cc == ["gone@example.test", "here@example.test"]  # the choice is kept as made
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "here@example.test"]
    assert cc_header(mail) == ["here@example.test"]


def test_a_retry_sends_the_same_chosen_cc(desk, cc_ticket, mta, settings):
    reply = actions.reply(cc_ticket, body="Fixed.", by=desk.agent, cc=["partner@example.test"])
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # the mail server is down
    with pytest.raises(OSError):
        send_reply(reply.pk)
    settings.EMAIL_PORT = working_port
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "partner@example.test"]
    assert cc_header(mail) == ["partner@example.test"]


@pytest.mark.parametrize(
    ("cc", "named"),
    [
        (["partner@example.test", "not-an-address"], "not-an-address"),
        (["partner@example.test\r\nBcc: victim@example.test"], "\\r\\nBcc: victim@example.test"),
        (["victim@example.test\nX-Evil: 1"], "victim@example.test\\nX-Evil: 1"),
        (["a@example.test, b@example.test"], "a@example.test, b@example.test"),
        (["Boss <boss@acme.test>"], "Boss <boss@acme.test>"),
        (["partner@exa mple.test"], "partner@exa mple.test"),
        (["@example.test"], "@example.test"),
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_stored(desk, cc_ticket, mta, cc, named):
    messages, events = Message.objects.count(), Event.objects.count()
    tasks = DBTaskResult.objects.filter(task_path=NOTIFY).count()
    # when the agent replies with a Cc that is not a list of single addresses
    with pytest.raises(ActionError) as refused:
        actions.reply(cc_ticket, body="Fixed.", by=desk.agent, cc=cc)
    # then the reason names the address, and no message, event or mail task was made
    assert named in str(refused.value)
    assert isinstance(refused.value, InvalidCc)
    assert Message.objects.count() == messages and Event.objects.count() == events
    assert DBTaskResult.objects.filter(task_path=NOTIFY).count() == tasks
    cc_ticket.refresh_from_db()
    assert cc_ticket.messages.filter(needs_reply=True).count() == 1  # still waiting
    assert mta.mails == []


def test_more_than_the_limit_is_refused(desk, cc_ticket, settings):
    settings.MAIL_MAX_CC = 2
    messages = Message.objects.count()
    with pytest.raises(ActionError, match="At most 2 addresses may be in Cc, not 3"):
        actions.reply(
            cc_ticket, body="Fixed.", by=desk.agent,
            cc=["a@example.test", "b@example.test", "c@example.test"],
        )  # fmt: skip
    assert Message.objects.count() == messages
    # duplicates, the customer and the desk do not count
    reply = actions.reply(
        cc_ticket, body="Fixed.", by=desk.agent,
        cc=["a@example.test", "A@example.test", "alice@acme.test", "support@loket.test",
            "b@example.test"],
    )  # fmt: skip
    assert reply.cc == ["a@example.test", "b@example.test"]


def test_an_empty_entry_and_a_ticket_without_customer_are_refused(desk, cc_ticket):
    with pytest.raises(ActionError, match="empty"):
        actions.reply(cc_ticket, body="Fixed.", by=desk.agent, cc=["  "])
    nobody = actions.create_ticket(
        subject="Monitor", body="Site down", customer=None, channel=Channel.EMAIL, by=None
    )
    with pytest.raises(ActionError, match="no customer"):
        actions.reply(nobody, body="Looking.", by=desk.agent, cc=["a@example.test"])
    assert actions.reply(nobody, body="Looking.", by=desk.agent, cc=[]).cc == []


def test_the_refusal_speaks_dutch(desk, cc_ticket):
    with translation.override("nl"), pytest.raises(ActionError) as refused:
        actions.reply(cc_ticket, body="Opgelost.", by=desk.agent, cc=["geen-adres"])
    assert str(refused.value) == "“geen-adres” is geen geldig e-mailadres."


def test_typed_addresses_are_split_on_commas_semicolons_and_spaces(db, mailbox):
    typed = " a@example.test,b@example.test ; c@example.test\td@example.test  a@example.test "
    parts = split_addresses(typed)
    assert parts == [
        "a@example.test", "b@example.test", "c@example.test", "d@example.test", "a@example.test"
    ]  # fmt: skip
    assert clean_cc(parts, customer_address="D@example.test") == [
        "a@example.test", "b@example.test", "c@example.test"
    ]  # fmt: skip
    assert split_addresses(" ,; ") == []
