"""Merging an answered ticket into a new one: the survivor is open and its first reply met
(it stayed "new" with a late first reply)."""

from __future__ import annotations

from loket.accounts.models import User
from loket.sla import clocks
from loket.sla.models import ClockKind, ClockStatus, TicketSla
from loket.sla.tracking import rebuild
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams
from tests.tickets.conftest import snapshot


def _ticket(desk: Desk, customer: User, subject: str) -> Ticket:
    return actions.create_ticket(
        subject=subject, body="It is gone.", customer=customer, channel=Channel.EMAIL,
        by=customer,
    )  # fmt: skip


def test_merging_an_answered_ticket_into_a_new_one_counts_the_answer(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # given a new, unanswered ticket, and a duplicate that an agent already answered
    clock.to(ams(2026, 3, 30, 10, 0))
    acme_ticket = _ticket(desk, desk.acme_alice, "Banner gone")
    clock.to(ams(2026, 3, 30, 10, 5))
    answered = _ticket(desk, customer=desk.acme_bob, subject="Banner (second mail)")
    actions.reply(answered, body="We are on it.", by=desk.agent)
    assert snapshot(acme_ticket)["state"] == State.NEW

    # when the answered one is merged into the new one
    actions.merge(answered, acme_ticket, by=desk.agent)

    # then the survivor is no longer new, and its first reply is met, not late
    assert snapshot(acme_ticket)["state"] == State.OPEN
    event = Event.objects.get(ticket=acme_ticket, kind=EventKind.MERGED)
    assert event.after["answered"] is True
    first = clocks.get(TicketSla.objects.get(pk=acme_ticket.pk), ClockKind.FIRST_RESPONSE)
    assert first.status == ClockStatus.MET
    # and the rebuild from the history agrees
    rebuilt = rebuild(Ticket.objects.get(pk=acme_ticket.pk))
    assert clocks.get(rebuilt, ClockKind.FIRST_RESPONSE).status == ClockStatus.MET
