"""Phone calls: logged as a new ticket or as a message on one, with the call's duration."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.tickets import actions
from loket.tickets.models import Channel, MessageKind, State, Ticket, TicketLink


def test_call_opens_a_new_ticket(desk):
    # when an agent logs a 4.5 minute call from Bob
    message = actions.log_call(
        customer=desk.acme_bob, by=desk.agent, summary="Cannot log in.", duration_seconds=270
    )
    # then a phone ticket exists with the call as its first customer message
    ticket = message.ticket
    assert ticket.channel == Channel.PHONE and ticket.subject == "Phone call"
    assert ticket.customer == desk.acme_bob and ticket.organisation == desk.acme
    assert (message.kind, message.channel, message.author) == (
        MessageKind.CUSTOMER,
        Channel.PHONE,
        desk.acme_bob,
    )
    assert message.call_duration_seconds == 270 and message.call_minutes == 4.5


def test_call_with_a_subject(desk):
    message = actions.log_call(
        customer=desk.loner,
        by=desk.agent,
        summary="Wants a refund.",
        duration_seconds=60,
        subject="Refund request",
    )
    assert message.ticket.subject == "Refund request"


def test_call_adds_a_message_to_an_existing_ticket(desk, acme_ticket):
    message = actions.log_call(
        customer=desk.acme_alice,
        by=desk.agent,
        summary="Called to ask for news.",
        duration_seconds=95,
        ticket=acme_ticket,
    )
    assert message.ticket_id == acme_ticket.pk
    assert (message.channel, message.call_duration_seconds) == (Channel.PHONE, 95)
    assert acme_ticket.messages.count() == 2


def test_call_about_a_closed_ticket_opens_a_linked_follow_up(desk, acme_ticket):
    actions.reply(acme_ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    message = actions.log_call(
        customer=desk.acme_alice,
        by=desk.agent,
        summary="It broke again.",
        duration_seconds=30,
        ticket=acme_ticket,
    )
    assert message.ticket_id != acme_ticket.pk
    assert message.call_duration_seconds == 30
    assert TicketLink.objects.filter(source=acme_ticket, target=message.ticket).exists()


def test_negative_duration_is_refused(desk):
    with pytest.raises(actions.ActionError):
        actions.log_call(customer=desk.loner, by=desk.agent, summary="x", duration_seconds=-1)
    assert not Ticket.objects.exists()


def test_customers_cannot_log_calls(desk):
    with pytest.raises(PermissionDenied):
        actions.log_call(
            customer=desk.acme_alice, by=desk.acme_alice, summary="x", duration_seconds=10
        )
    assert not Ticket.objects.exists()


def test_a_call_answered_on_the_phone_does_not_wait_for_a_reply(
    desk, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    # when an agent logs a call she answered while on the phone
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.log_call(
            customer=desk.acme_bob, by=desk.agent, summary="Password reset explained.",
            duration_seconds=120, answered=True,
        )  # fmt: skip
    ticket = Ticket.objects.get(pk=message.ticket_id)
    # then nothing waits for an answer and the ticket is open, hers
    assert ticket.awaiting_reply_since is None and ticket.state == State.OPEN
    assert ticket.assignee == desk.agent
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert (reply.channel, reply.author) == (Channel.PHONE, desk.agent)
    assert not ticket.messages.filter(needs_reply=True).exists()
    # and the caller gets no mail about it
    assert mail.outbox == []
    assert not DBTaskResult.objects.filter(task_path__endswith="notify_customer_of_reply").exists()


def test_a_call_not_answered_yet_waits_with_its_clock(desk):
    message = actions.log_call(
        customer=desk.acme_bob, by=desk.agent, summary="Wants a call back.",
        duration_seconds=60, answered=False,
    )  # fmt: skip
    ticket = Ticket.objects.get(pk=message.ticket_id)
    assert ticket.awaiting_reply_since is not None and ticket.state == State.NEW
    assert not ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_the_call_form_answers_by_default(desk):
    import re

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(desk.agent)
    url = reverse("desk:log_call")
    box = re.search(r'<input[^>]*name="answered"[^>]*>', client.get(url).content.decode())
    assert box is not None and "checked" in box.group(0)
    client.post(url, {"customer_email": "caller@example.test", "summary": "Fixed it together.",
                      "minutes": "3"})  # fmt: skip
    ticket = Ticket.objects.get(customer__email="caller@example.test")
    assert ticket.awaiting_reply_since is not None  # an unticked box: not answered
