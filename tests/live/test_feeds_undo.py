"""A reply inside its undo window, and its undoing, reach agents' live streams only."""

from __future__ import annotations

from django.db.models import Q

from loket.live import feeds
from loket.tickets import actions
from loket.tickets.models import EventKind


def test_held_and_undone_replies_are_for_agents_only(desk, acme_ticket):
    reply = actions.reply(acme_ticket, body="Oops.", by=desk.agent, hold=10, source="Oops.")
    actions.undo_reply(reply, by=desk.agent)
    items = {i.data["kind"]: i for i in feeds.events(Q(ticket_id=acme_ticket.pk), 100)}
    assert items[EventKind.REPLY_HELD].agents_only
    assert items[EventKind.REPLY_UNDONE].agents_only
    assert not items[EventKind.CREATED].agents_only  # the customer's own ticket: theirs
