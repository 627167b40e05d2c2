"""The customer's own say on a ticket in the portal: solved, or not solved after all."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.portal.views import _customer
from loket.tickets import actions
from loket.tickets.access import get_ticket_for


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
