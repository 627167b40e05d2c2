"""When the customer may expect the desk's next answer, for the portal's ticket page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from loket.sla.models import ClockStatus, TicketSla
from loket.tickets.models import State, Ticket


@dataclass(frozen=True)
class Expected:
    """When the customer may expect the desk's next answer."""

    at: datetime
    late: bool


def expected_answer(ticket: Ticket) -> Expected | None:
    """The due time of the running response clock (first answer, then each next one); none
    while the desk waits for the customer or the clock is paused."""
    if ticket.state in (State.RESOLVED, State.CLOSED, State.WAITING_CUSTOMER):
        return None
    sla = TicketSla.objects.filter(ticket=ticket, paused_since__isnull=True).first()
    if sla is None:
        return None
    for status, due in (
        (sla.first_response_status, sla.first_response_due_at),
        (sla.next_response_status, sla.next_response_due_at),
    ):
        if status == ClockStatus.RUNNING and due is not None:
            return Expected(at=due, late=due < timezone.now())
    return None
