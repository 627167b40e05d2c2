"""Merging tickets: messages move, the source closes as merged, both timelines say so."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel, Event, EventKind, MessageKind, State, Ticket
from tests.tickets.conftest import PNG, snapshot


def _ticket(desk, customer=None, subject="Banner gone again", **kw) -> Ticket:
    customer = customer or desk.acme_alice
    return actions.create_ticket(
        subject=subject,
        body="It is gone.",
        customer=customer,
        channel=Channel.EMAIL,
        by=customer,
        **kw,
    )


def test_merge_moves_messages_and_closes_the_source(desk, acme_ticket, media):
    # given a duplicate from Bob of the same organisation, with an attachment and a note
    duplicate = _ticket(desk, customer=desk.acme_bob, attachments=[NewAttachment("a.png", PNG)])
    actions.add_note(duplicate, body="Same as the other.", by=desk.agent)
    moved = set(duplicate.messages.values_list("pk", flat=True))
    # when it is merged into Alice's ticket
    actions.merge(duplicate, acme_ticket, by=desk.agent)
    # then its messages (and their attachments) belong to the target
    target_messages = set(acme_ticket.messages.values_list("pk", flat=True))
    assert moved < target_messages
    assert not duplicate.messages.exists()
    assert Attachment.objects.get().message.ticket_id == acme_ticket.pk
    # and the source is closed and points at the target
    source = snapshot(duplicate)
    assert (source["state"], source["merged_into"]) == (State.CLOSED, acme_ticket.pk)
    assert source["awaiting_reply_since"] is None
    # and both timelines record it
    out = Event.objects.get(ticket=duplicate, kind=EventKind.MERGED_INTO)
    into = Event.objects.get(ticket=acme_ticket, kind=EventKind.MERGED)
    assert out.after == acme_ticket.pk and out.actor == desk.agent
    assert into.after == {"ticket": duplicate.pk, "messages": 2, "answered": False}
    # and the target waits since the oldest of all waiting messages
    oldest = min(m.created_at for m in acme_ticket.messages.filter(needs_reply=True))
    assert snapshot(acme_ticket)["awaiting_reply_since"] == oldest


def test_cannot_merge_twice(desk, acme_ticket):
    duplicate = _ticket(desk)
    third = _ticket(desk, subject="Third")
    actions.merge(duplicate, acme_ticket, by=desk.agent)
    with pytest.raises(actions.ActionError, match="already merged"):
        actions.merge(duplicate, third, by=desk.agent)
    with pytest.raises(actions.ActionError):
        actions.merge(third, duplicate, by=desk.agent)  # into a merged (closed) ticket


def test_cannot_merge_into_itself(desk, acme_ticket):
    before = snapshot(acme_ticket)
    with pytest.raises(actions.ActionError, match="itself"):
        actions.merge(acme_ticket, acme_ticket, by=desk.agent)
    assert snapshot(acme_ticket) == before


def test_cannot_merge_into_or_from_a_closed_ticket(desk, acme_ticket):
    actions.reply(acme_ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    other = _ticket(desk)
    for source, target in ((other, acme_ticket), (acme_ticket, other)):
        before = (snapshot(source), snapshot(target))
        with pytest.raises(actions.ActionError):
            actions.merge(source, target, by=desk.agent)
        assert (snapshot(source), snapshot(target)) == before


def test_cannot_merge_another_organisations_ticket(desk, acme_ticket, globex_ticket):
    # given tickets of Acme and Globex (and one of a customer without organisation)
    loner = _ticket(desk, customer=desk.loner)
    for source, target in ((globex_ticket, acme_ticket), (loner, acme_ticket)):
        before = (snapshot(source), snapshot(target))
        # when an agent tries to merge them, then it is refused: it would show the
        # messages to the other organisation's customers
        with pytest.raises(actions.ActionError, match="organisation"):
            actions.merge(source, target, by=desk.agent)
        assert (snapshot(source), snapshot(target)) == before


def test_merge_into_a_resolved_ticket_with_waiting_messages_reopens_it(desk, acme_ticket):
    actions.reply(acme_ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    duplicate = _ticket(desk)
    actions.merge(duplicate, acme_ticket, by=desk.agent)
    target = snapshot(acme_ticket)
    assert target["state"] == State.OPEN and target["awaiting_reply_since"] is not None


def test_customer_writing_to_a_merged_ticket_reaches_the_target(desk, acme_ticket):
    # given A merged into B, and B merged into the Acme ticket
    a, b = _ticket(desk, subject="A"), _ticket(desk, subject="B")
    actions.merge(a, b, by=desk.agent)
    actions.merge(b, acme_ticket, by=desk.agent)
    # when the customer answers an old mail of A
    message = actions.add_customer_message(
        a, body="Still broken", author=desk.acme_alice, channel=Channel.EMAIL, by=None
    )
    # then it lands on the surviving ticket, not on a follow-up
    assert message.ticket_id == acme_ticket.pk
    assert Ticket.objects.count() == 3


def test_only_agents_merge(desk, acme_ticket):
    duplicate = _ticket(desk)
    with pytest.raises(PermissionDenied):
        actions.merge(duplicate, acme_ticket, by=desk.acme_alice)
    assert snapshot(duplicate)["merged_into"] is None


def test_merged_messages_keep_their_kind(desk, acme_ticket):
    duplicate = _ticket(desk)
    actions.add_note(duplicate, body="Internal", by=desk.agent)
    actions.merge(duplicate, acme_ticket, by=desk.agent)
    kinds = list(acme_ticket.messages.values_list("kind", flat=True))
    assert kinds.count(MessageKind.NOTE) == 1 and kinds.count(MessageKind.CUSTOMER) == 2
