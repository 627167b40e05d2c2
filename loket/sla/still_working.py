""" "Still working on it": a reminder when an open ticket has had no public update for long.

``TicketSla.quiet_since`` (indexed) is the last public update: the ticket's creation or its
latest public reply. Once ``STILL_WORKING_HOURS`` (plain hours) have passed while the ticket is
new, open or waiting on a third party, the sweep writes one ``STILL_WORKING`` event, which
notifies the assignee (nobody assigned: the team's manager), and clears ``quiet_since``: one
reminder per quiet period, until the next public reply starts a new one.

With ``STILL_WORKING_CUSTOMER_NOTE`` on, the assignee also sends the customer a short public
progress note, in the customer's language and form of address. That note is a real public
update: it answers waiting customer messages (ending a "never ignore" alarm) and stops the SLA
reply clocks, like any reply would. It does not start a new quiet period, so an untouched
ticket gets one note, not one a day.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext

from loket.accounts.models import Formality, User
from loket.sla.models import TicketSla
from loket.tickets.models import Event, EventKind, State, Ticket

log = logging.getLogger(__name__)

ACTIVE = (State.NEW, State.OPEN, State.WAITING_THIRD_PARTY)
ENDED = (State.RESOLVED, State.CLOSED)


def limit_hours() -> int:
    default = os.environ.get("LOKET_STILL_WORKING_HOURS", "24")
    try:
        hours = int(getattr(settings, "STILL_WORKING_HOURS", default))
    except (TypeError, ValueError):
        hours = 24
    return max(1, hours)


def customer_note_enabled() -> bool:
    default = os.environ.get("LOKET_STILL_WORKING_CUSTOMER_NOTE", "0").strip().lower()
    value = getattr(settings, "STILL_WORKING_CUSTOMER_NOTE", default in ("1", "true", "yes", "on"))
    return bool(value)


def track(sla: TicketSla, event: Event) -> None:
    """Moves ``quiet_since`` along with one ticket event (called by ``loket.sla.tracking``)."""
    after = event.after
    if event.kind == EventKind.CREATED:
        sla.quiet_since = event.created_at
    elif event.kind == EventKind.MESSAGE and isinstance(after, dict):
        if after.get("kind") == "reply":
            sla.quiet_since = event.created_at
    elif event.kind == EventKind.MERGED_INTO:
        sla.quiet_since = None
    elif event.kind == EventKind.STATE:
        if after in ENDED:
            sla.quiet_since = None
        elif event.before in ENDED:  # reopened: quiet from now on
            sla.quiet_since = event.created_at


def customer_note(customer: User) -> str:
    """The progress note in the customer's language and form of address."""
    language = customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if customer.formality == Formality.INFORMAL:
            return pgettext(
                "informal",
                "We are still working on your question and will update you as soon as we know "
                "more.",
            )
        return pgettext(
            "formal",
            "We are still working on your question and will update you as soon as we know more.",
        )


def sweep_still_working(now: datetime | None = None, *, batch: int = 500) -> list[int]:
    """Writes the reminders that are due; returns the new event ids."""
    from django.db import transaction
    from django.utils import timezone

    from loket.sla import notify
    from loket.tickets import actions

    now = now or timezone.now()
    cutoff = now - timedelta(hours=limit_hours())
    note = customer_note_enabled()
    ids: list[int] = []
    while True:
        with transaction.atomic():
            rows = list(
                TicketSla.objects.select_for_update(skip_locked=True, of=("self", "ticket"))
                .select_related("ticket__assignee", "ticket__customer")
                .filter(
                    quiet_since__lte=cutoff,
                    ticket__state__in=ACTIVE,
                    ticket__merged_into__isnull=True,
                )
                .order_by("quiet_since")[:batch]
            )
            if not rows:
                break
            events: list[Event] = []
            for sla in rows:
                ticket: Ticket = sla.ticket
                since = sla.quiet_since or now
                noted = False
                customer = ticket.customer
                if note and ticket.assignee is not None and customer is not None:
                    try:
                        actions.reply(ticket, body=customer_note(customer), by=ticket.assignee)
                        noted = True
                    except actions.ActionError as exc:
                        log.warning("still-working note on #%s failed: %s", ticket.pk, exc)
                events.append(
                    Event(
                        ticket_id=ticket.pk,
                        kind=EventKind.STILL_WORKING,
                        after={
                            "since": since.isoformat(),
                            "to": "assignee" if ticket.assignee_id else "manager",
                            "note": noted,
                        },
                        created_at=now,
                    )
                )
                # After the note (whose reply event moved quiet_since): one per quiet period.
                TicketSla.objects.filter(pk=sla.pk).update(quiet_since=None)
            created = Event.objects.bulk_create(events)
            new = [e.pk for e in created if e.pk is not None]
            notify.sla_events(new)
            ids.extend(new)
        if len(rows) < batch:
            break
    return ids
