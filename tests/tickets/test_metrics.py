"""First-contact and first-line resolution, computed from the events alone."""

from __future__ import annotations

import pytest

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.metrics import resolution_of, resolution_rates
from loket.tickets.models import Channel, State, Ticket


def _new(desk, customer=None, subject="Question") -> Ticket:
    customer = customer or desk.acme_alice
    return actions.create_ticket(
        subject=subject,
        body="How does this work?",
        customer=customer,
        channel=Channel.WEB,
        by=customer,
    )


def _customer_writes(desk, ticket: Ticket, author=None) -> None:
    author = author or desk.acme_alice
    actions.add_customer_message(
        ticket, body="One more thing.", author=author, channel=Channel.WEB, by=author
    )


def _resolve(desk, ticket: Ticket, by=None) -> None:
    actions.change_state(ticket, State.RESOLVED, by=by or desk.agent)


def test_resolved_after_one_reply_is_first_contact(desk):
    # given a question answered once, then resolved
    ticket = _new(desk)
    actions.reply(ticket, body="Like this.", by=desk.agent, then_state=State.RESOLVED)
    # then it counts as first-contact and first-line resolution
    result = resolution_of(ticket)
    assert result.resolved and result.first_contact and result.first_line


def test_escalated_ticket_is_neither(desk):
    ticket = _new(desk)
    actions.escalate(ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    actions.reply(ticket, body="Fixed.", by=desk.tech, then_state=State.RESOLVED)
    result = resolution_of(ticket)
    assert result.resolved and result.escalated
    assert not result.first_line and not result.first_contact


def test_customer_follow_up_after_the_reply_is_first_line_not_first_contact(desk):
    ticket = _new(desk)
    actions.reply(ticket, body="Try restarting.", by=desk.agent)
    _customer_writes(desk, ticket)
    actions.mark_no_reply_needed(ticket, by=desk.agent, reason="Only said thanks")
    _resolve(desk, ticket)
    result = resolution_of(ticket)
    assert result.first_line and not result.first_contact
    assert result.customer_messages_after_first_reply == 1


def test_two_replies_are_not_first_contact(desk):
    ticket = _new(desk)
    actions.reply(ticket, body="Checking.", by=desk.agent)
    actions.reply(ticket, body="Found it.", by=desk.agent, then_state=State.RESOLVED)
    result = resolution_of(ticket)
    assert result.first_line and not result.first_contact
    assert result.public_replies_before_resolution == 2


def test_internal_notes_are_not_replies(desk):
    ticket = _new(desk)
    actions.add_note(ticket, body="Known issue, see wiki.", by=desk.agent)
    actions.reply(ticket, body="Fixed now.", by=desk.agent)
    actions.add_note(ticket, body="Closed the wiki entry.", by=desk.agent)
    _resolve(desk, ticket)
    assert resolution_of(ticket).first_contact


def test_resolved_without_any_reply_is_first_line_only(desk):
    ticket = _new(desk)
    actions.mark_no_reply_needed(ticket, by=desk.agent, reason="Spam")
    _resolve(desk, ticket)
    result = resolution_of(ticket)
    assert result.first_line and not result.first_contact


def test_open_ticket_is_not_resolved(desk):
    ticket = _new(desk)
    actions.reply(ticket, body="Looking.", by=desk.agent)
    result = resolution_of(ticket)
    assert not result.resolved and not result.first_line and not result.first_contact


def test_reopened_ticket_counts_only_when_resolved_again(desk):
    # given a ticket resolved after one reply (first contact so far)
    ticket = _new(desk)
    actions.reply(ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    assert resolution_of(ticket).first_contact
    # when the customer writes again, which reopens it
    _customer_writes(desk, ticket)
    # then it is not resolved at all while open
    assert not resolution_of(ticket).resolved
    # when it is answered and resolved again, then first line, but not first contact
    actions.reply(ticket, body="Now really done.", by=desk.agent, then_state=State.RESOLVED)
    result = resolution_of(ticket)
    assert result.first_line and not result.first_contact


def test_closing_keeps_the_resolution(desk):
    ticket = _new(desk)
    actions.reply(ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(ticket, State.CLOSED, by=desk.agent)
    assert resolution_of(ticket).first_contact


def test_resolution_rates_over_a_queryset(desk):
    # given four Acme tickets: first contact, first line only, escalated, still open
    contact = _new(desk, subject="a")
    actions.reply(contact, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    line = _new(desk, subject="b")
    actions.reply(line, body="Hm.", by=desk.agent)
    actions.reply(line, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    escalated = _new(desk, subject="c")
    actions.escalate(escalated, Tier.SECOND_LINE, by=desk.agent, reason="Needs a dev")
    actions.reply(escalated, body="Done.", by=desk.tech, then_state=State.RESOLVED)
    _new(desk, subject="d")
    # and a Globex ticket resolved at first contact, outside the queryset
    other = _new(desk, customer=desk.globex_carol, subject="e")
    actions.reply(other, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    # when the rates are computed over Acme's tickets
    rates = resolution_rates(Ticket.objects.filter(organisation=desk.acme))
    # then three are resolved, two at first line, one at first contact
    assert (rates.resolved, rates.first_line, rates.first_contact) == (3, 2, 1)
    assert rates.first_line_rate == pytest.approx(2 / 3)
    assert rates.first_contact_rate == pytest.approx(1 / 3)
    # and over everything the Globex one counts too
    everything = resolution_rates(Ticket.objects.all())
    assert (everything.resolved, everything.first_contact) == (4, 2)


def test_resolution_rates_of_nothing_are_unknown_not_zero(desk):
    _new(desk)
    rates = resolution_rates(Ticket.objects.all())
    assert rates.resolved == 0
    assert rates.first_line_rate is None and rates.first_contact_rate is None


def test_reopened_ticket_leaves_the_rates_until_resolved_again(desk):
    ticket = _new(desk)
    actions.reply(ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    _customer_writes(desk, ticket)
    assert resolution_rates(Ticket.objects.all()).resolved == 0
