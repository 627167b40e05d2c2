"""A customer's message reopens a resolved ticket, and opens a linked follow-up for a closed one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket, TicketLink
from tests.tickets.conftest import snapshot


def _write(ticket, author, body="It is broken again."):
    return actions.add_customer_message(
        ticket, body=body, author=author, channel=Channel.WEB, by=author
    )


@pytest.fixture
def resolved(desk, acme_ticket) -> Ticket:
    actions.reply(acme_ticket, body="Fixed.", by=desk.agent, then_state=State.RESOLVED)
    return acme_ticket


def test_message_on_a_resolved_ticket_reopens_it(desk, resolved):
    _write(resolved, desk.acme_alice)
    after = snapshot(resolved)
    assert after["state"] == State.OPEN and after["resolved_at"] is None
    assert after["awaiting_reply_since"] is not None
    event = Event.objects.filter(ticket=resolved, kind=EventKind.STATE).latest("id")
    assert (event.before, event.after) == (State.RESOLVED, State.OPEN)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.WAITING_CUSTOMER, State.OPEN),
        (State.WAITING_THIRD_PARTY, State.WAITING_THIRD_PARTY),
        (State.OPEN, State.OPEN),
    ],
)
def test_message_on_a_waiting_ticket(desk, acme_ticket, state, expected):
    actions.reply(acme_ticket, body="Which browser?", by=desk.agent, then_state=state)
    _write(acme_ticket, desk.acme_alice, body="Firefox.")
    assert snapshot(acme_ticket)["state"] == expected


def test_message_on_a_closed_ticket_opens_a_linked_follow_up(desk, resolved):
    # given a closed, high-priority ticket
    actions.set_priority(resolved, Priority.HIGH, by=desk.agent)
    actions.change_state(resolved, State.CLOSED, by=desk.agent)
    before = snapshot(resolved)
    # when a colleague of the customer writes to it
    message = _write(resolved, desk.acme_bob)
    # then the closed ticket stays as it was (only the link is added to its timeline)
    after = snapshot(resolved)
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
    assert Event.objects.filter(ticket=resolved).latest("id").kind == EventKind.LINKED
    # and a new ticket holds the message, linked, with the same subject, team and priority
    follow_up = message.ticket
    assert follow_up.pk != resolved.pk
    assert (follow_up.subject, follow_up.team_id, follow_up.priority) == (
        resolved.subject,
        resolved.team_id,
        Priority.HIGH,
    )
    assert follow_up.customer == desk.acme_bob and follow_up.state == State.NEW
    assert follow_up.awaiting_reply_since == message.created_at
    assert TicketLink.objects.filter(source=resolved, target=follow_up).exists()
    assert Event.objects.filter(ticket=follow_up, kind=EventKind.LINKED, after=resolved.pk)


def test_closed_ticket_refuses_every_change(desk, resolved):
    actions.change_state(resolved, State.CLOSED, by=desk.agent)
    before = snapshot(resolved)
    attempts = [
        lambda: actions.reply(resolved, body="One more thing", by=desk.agent),
        lambda: actions.add_note(resolved, body="Note", by=desk.agent),
        lambda: actions.set_priority(resolved, Priority.URGENT, by=desk.agent),
        lambda: actions.assign(resolved, desk.tech, by=desk.agent),
        lambda: actions.set_subject(resolved, "New subject", by=desk.agent),
        lambda: actions.set_tags(resolved, ["vip"], by=desk.agent),
        lambda: actions.move_to_team(resolved, desk.management, by=desk.agent, reason="x"),
        lambda: actions.change_state(resolved, State.OPEN, by=desk.agent),
    ]
    for attempt in attempts:
        with pytest.raises(actions.ActionError, match="closed"):
            attempt()
    assert snapshot(resolved) == before
    # setting what it already is, as a form that sends every field does, is fine
    actions.set_priority(resolved, Priority(before["priority"]), by=desk.agent)
    actions.assign(resolved, desk.agent, by=desk.agent)
    assert snapshot(resolved) == before


def test_customers_write_only_as_themselves(desk, acme_ticket):
    before = snapshot(acme_ticket)
    with pytest.raises(PermissionDenied):
        actions.add_customer_message(
            acme_ticket,
            body="I am Alice",
            author=desk.acme_alice,
            channel=Channel.WEB,
            by=desk.acme_bob,
        )
    assert snapshot(acme_ticket) == before


def test_empty_message_is_refused(desk, acme_ticket):
    before = snapshot(acme_ticket)
    with pytest.raises(actions.ActionError, match="empty"):
        _write(acme_ticket, desk.acme_alice, body="   \n ")
    assert snapshot(acme_ticket) == before
