"""Tickets from before "still working on it" get their quiet period from their history."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps

from loket.sla.models import TicketSla
from loket.sla.still_working import sweep_still_working
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams

backfill = importlib.import_module("loket.sla.migrations.0004_backfill_quiet_since").backfill


def _ticket(desk: Desk, subject: str) -> Ticket:
    ticket = actions.create_ticket(
        subject=subject, body="Hello", customer=desk.acme_alice, channel=Channel.WEB, by=None
    )
    return actions.assign(ticket, desk.agent, by=desk.agent)


def test_old_open_tickets_are_covered_after_the_backfill(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.STILL_WORKING_HOURS = 24
    clock.to(ams(2026, 3, 2, 10, 0))
    untouched = _ticket(desk, "Untouched")
    replied = _ticket(desk, "Replied")
    resolved = _ticket(desk, "Resolved")
    reopened = _ticket(desk, "Reopened")
    reminded = _ticket(desk, "Reminded")
    clock.to(ams(2026, 3, 3, 9, 0))
    actions.reply(replied, body="On it.", by=desk.agent)
    actions.change_state(resolved, State.RESOLVED, by=desk.agent)
    actions.change_state(reopened, State.RESOLVED, by=desk.agent)
    clock.to(ams(2026, 3, 4, 9, 0))
    actions.change_state(reopened, State.OPEN, by=desk.agent)
    Event.objects.create(ticket=reminded, kind=EventKind.STILL_WORKING, after={})
    # Given the rows as they were before the feature: no quiet period anywhere
    TicketSla.objects.update(quiet_since=None)
    assert sweep_still_working(ams(2026, 3, 30, 10, 0)) == []
    # when the data migration runs
    backfill(apps, None)
    quiet = dict(TicketSla.objects.values_list("ticket_id", "quiet_since"))
    # then each open ticket is quiet since its last public update (or reopening)
    assert quiet == {
        untouched.pk: ams(2026, 3, 2, 10, 0),
        replied.pk: ams(2026, 3, 3, 9, 0),
        resolved.pk: None,
        reopened.pk: ams(2026, 3, 4, 9, 0),
        reminded.pk: None,  # its reminder already went out
    }
    # and the sweep now reminds about the old open tickets.
    new = sweep_still_working(ams(2026, 3, 30, 10, 0))
    reminded_about = set(Event.objects.filter(pk__in=new).values_list("ticket_id", flat=True))
    assert reminded_about == {untouched.pk, replied.pk, reopened.pk}
