"""The customer's own say on a ticket in the portal: solved, or not solved after all; and what
the ticket page tells them about who helps them and when to expect an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.models import User
from loket.sla.models import ClockStatus, TicketSla
from loket.tickets import actions
from loket.tickets.access import get_ticket_for
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


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@login_required
@require_POST
def mark_solved(request: HttpRequest, pk: int) -> HttpResponse:
    return _say(request, pk, solved=True)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _say(request, pk, solved=False)


def _say(request: HttpRequest, pk: int, *, solved: bool) -> HttpResponse:
    user = _customer(request)
    if user.is_agent:
        return redirect("desk:ticket", pk=pk)
    ticket = get_ticket_for(user, pk, write=True)
    try:
        actions.customer_solved(ticket, solved, by=user)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Thank you: we have marked your question as solved.")
            if solved
            else _("Your ticket is open again; we will get back to you."),
        )
    return redirect("portal:ticket", pk=pk)
