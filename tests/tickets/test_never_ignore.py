"""Never ignore a message: each customer message waits until a public reply or a recorded
"no reply needed"; the desk shows how many wait and for how long, per person's access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.context import unanswered_summary
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, State
from tests.tickets.conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _waiting(ticket) -> list[Message]:
    return list(ticket.messages.filter(needs_reply=True).order_by("id"))


def _write(desk, ticket, author=None, body="Any news?") -> Message:
    author = author or desk.acme_alice
    return actions.add_customer_message(
        ticket, body=body, author=author, channel=Channel.WEB, by=author
    )


def test_new_customer_message_waits_for_a_reply(desk, acme_ticket):
    (message,) = _waiting(acme_ticket)
    assert message.kind == MessageKind.CUSTOMER
    assert snapshot(acme_ticket)["awaiting_reply_since"] == message.created_at


def test_internal_note_does_not_answer(desk, acme_ticket):
    before = snapshot(acme_ticket)["awaiting_reply_since"]
    actions.add_note(acme_ticket, body="Asked the ad team.", by=desk.agent)
    assert len(_waiting(acme_ticket)) == 1
    assert snapshot(acme_ticket)["awaiting_reply_since"] == before


def test_public_reply_answers_every_waiting_message(desk, acme_ticket):
    # given two customer messages waiting
    _write(desk, acme_ticket, author=desk.acme_bob, body="Same here.")
    first, second = _waiting(acme_ticket)
    # when an agent replies
    reply = actions.reply(acme_ticket, body="Fixed.", by=desk.agent)
    # then both are answered by that reply and nothing waits
    assert _waiting(acme_ticket) == []
    for message in (first, second):
        message.refresh_from_db()
        assert message.answered_by == reply
    assert snapshot(acme_ticket)["awaiting_reply_since"] is None


def test_awaiting_since_is_the_oldest_waiting_message(desk, acme_ticket, time_machine):
    time_machine.move_to(T0, tick=False)
    actions.reply(acme_ticket, body="Answered.", by=desk.agent)
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    _write(desk, acme_ticket)
    time_machine.move_to(T0 + dt.timedelta(hours=2), tick=False)
    _write(desk, acme_ticket, body="Hello?")
    assert snapshot(acme_ticket)["awaiting_reply_since"] == T0 + dt.timedelta(hours=1)


@pytest.mark.parametrize("reason", ["", "  "])
def test_no_reply_needed_requires_a_reason(desk, acme_ticket, reason):
    before = snapshot(acme_ticket)
    with pytest.raises(actions.ActionError, match="why"):
        actions.mark_no_reply_needed(acme_ticket, by=desk.agent, reason=reason)
    assert snapshot(acme_ticket) == before


def test_no_reply_needed_is_recorded_with_who_and_why(desk, acme_ticket):
    # given two waiting messages
    _write(desk, acme_ticket, body="Thanks anyway!")
    waiting = _waiting(acme_ticket)
    # when an agent marks them as needing no reply
    count = actions.mark_no_reply_needed(acme_ticket, by=desk.agent, reason=" Just thanks ")
    # then they no longer wait, with who and why on each message and on the timeline
    assert count == 2 and _waiting(acme_ticket) == []
    for message in waiting:
        message.refresh_from_db()
        assert message.no_reply_by == desk.agent and message.no_reply_reason == "Just thanks"
        assert message.answered_by is None
    event = Event.objects.filter(ticket=acme_ticket).latest("id")
    assert event.kind == EventKind.NO_REPLY_NEEDED and event.actor == desk.agent
    assert event.reason == "Just thanks" and event.after == [m.pk for m in waiting]
    assert snapshot(acme_ticket)["awaiting_reply_since"] is None


def test_no_reply_needed_with_nothing_waiting_changes_nothing(desk, acme_ticket):
    actions.reply(acme_ticket, body="Answered.", by=desk.agent)
    before = snapshot(acme_ticket)
    assert actions.mark_no_reply_needed(acme_ticket, by=desk.agent, reason="Nothing") == 0
    assert snapshot(acme_ticket) == before


def test_customers_cannot_mark_their_own_message_as_needing_no_reply(desk, acme_ticket):
    with pytest.raises(PermissionDenied):
        actions.mark_no_reply_needed(acme_ticket, by=desk.acme_alice, reason="Never mind")
    assert len(_waiting(acme_ticket)) == 1


def test_a_ticket_with_a_waiting_message_cannot_be_closed(desk, acme_ticket):
    # given a resolved ticket whose customer message was never answered
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    # when an agent tries to close it, then that is refused: it would be ignored forever
    with pytest.raises(actions.ActionError, match="waits"):
        actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    # when the message is answered, then it can be closed
    actions.reply(acme_ticket, body="Sorted.", by=desk.agent)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    assert snapshot(acme_ticket)["state"] == State.CLOSED


def test_unanswered_summary_counts_what_each_person_may_see(
    desk, acme_ticket, globex_ticket, time_machine, settings
):
    # given (at fixed times) an Acme message from 09:00 and a Globex one from 09:30
    settings.UNANSWERED_ALARM_MINUTES = 60
    Message.objects.filter(ticket=acme_ticket).update(created_at=T0)
    Message.objects.filter(ticket=globex_ticket).update(created_at=T0 + dt.timedelta(minutes=30))
    time_machine.move_to(T0 + dt.timedelta(minutes=45), tick=False)
    # then the first-line agent and the admin see both, second line none
    for user in (desk.agent, desk.admin):
        summary = unanswered_summary(user)
        assert (summary["count"], summary["oldest"]) == (2, T0)
        assert summary["oldest_age_minutes"] == 45 and not summary["alarm"]
    assert unanswered_summary(desk.tech)["count"] == 0
    assert unanswered_summary(desk.tech)["oldest_age_minutes"] is None
    # and a customer only their own organisation's
    assert unanswered_summary(desk.globex_carol)["oldest"] == T0 + dt.timedelta(minutes=30)
    assert unanswered_summary(desk.loner)["count"] == 0
    # when the Acme ticket is escalated, then it moves from first line's count to second's
    actions.escalate(acme_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a dev")
    assert unanswered_summary(desk.agent)["count"] == 1
    assert unanswered_summary(desk.tech)["count"] == 1
    # when an hour has passed, then the alarm is on
    time_machine.move_to(T0 + dt.timedelta(minutes=61), tick=False)
    assert unanswered_summary(desk.tech)["alarm"]
    # when the Acme message is answered, then second line has nothing waiting
    actions.reply(acme_ticket, body="Fixed.", by=desk.tech)
    assert unanswered_summary(desk.tech)["count"] == 0
    assert unanswered_summary(desk.admin)["count"] == 1
