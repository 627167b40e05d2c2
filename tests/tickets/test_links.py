"""Linking related tickets: one link, on both timelines."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.tickets import actions
from loket.tickets.models import Event, EventKind, TicketLink


def test_link_is_on_both_timelines(desk, acme_ticket, globex_ticket):
    # when an agent links two tickets
    actions.link(acme_ticket, globex_ticket, by=desk.agent)
    # then one link exists and each timeline names the other ticket
    assert TicketLink.objects.count() == 1
    for ticket, other in ((acme_ticket, globex_ticket), (globex_ticket, acme_ticket)):
        event = Event.objects.get(ticket=ticket, kind=EventKind.LINKED)
        assert event.after == other.pk and event.actor == desk.agent


def test_linking_again_either_way_adds_nothing(desk, acme_ticket, globex_ticket):
    actions.link(acme_ticket, globex_ticket, by=desk.agent)
    actions.link(globex_ticket, acme_ticket, by=desk.agent)
    assert TicketLink.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.LINKED).count() == 2


def test_a_ticket_cannot_be_linked_to_itself(desk, acme_ticket):
    with pytest.raises(actions.ActionError, match="itself"):
        actions.link(acme_ticket, acme_ticket, by=desk.agent)
    assert not TicketLink.objects.exists()


def test_customers_cannot_link(desk, acme_ticket, globex_ticket):
    with pytest.raises(PermissionDenied):
        actions.link(acme_ticket, globex_ticket, by=desk.acme_alice)
    assert not TicketLink.objects.exists()
