"""Splitting one customer message off into a new ticket, and taking a ticket back out of
spam, from the ticket page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.tickets import actions
from loket.tickets.access import get_ticket_for
from loket.tickets.models import Message


class SplitForm(forms.Form):
    subject = forms.CharField(max_length=250, required=False)


@agent_required
@require_POST
def split_message(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """The message must be one of this ticket's, which the agent may change."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    message = Message.objects.filter(pk=message_pk, ticket_id=ticket.pk).first()
    if message is None:
        raise Http404
    form = SplitForm(request.POST)
    subject = form.cleaned_data["subject"] if form.is_valid() else ""
    try:
        new = actions.split_message(message, by=user, subject=subject)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        return redirect("desk:ticket", pk=ticket.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return redirect("desk:ticket", pk=ticket.pk)
    messages.success(
        request,
        _("The message is now ticket #%(n)s, linked to #%(old)s.")
        % {"n": new.pk, "old": ticket.pk},
    )
    return redirect("desk:ticket", pk=new.pk)


@agent_required
@require_POST
def not_spam(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    try:
        actions.not_spam(ticket, by=user)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("The ticket is open again and its sender is not blocked."))
    return redirect("desk:ticket", pk=ticket.pk)
