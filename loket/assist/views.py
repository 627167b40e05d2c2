"""The assistant's desk pages: the live draft check the reply form calls, taking a suggested
language, and the admin's settings page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import Team
from loket.assist import actions
from loket.assist.models import AssistSettings
from loket.assist.service import check_draft
from loket.tickets.access import get_ticket_for

MAX_DRAFT = 100_000


@agent_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """The findings for a draft reply on ticket ``pk`` (JSON)."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    body = str(request.POST.get("body", ""))[:MAX_DRAFT]
    return JsonResponse({"findings": check_draft(ticket, user, body)})


@agent_required
@require_POST
def accept_language(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    if ticket.customer is not None and actions.accept_language(ticket.customer, by=user):
        messages.success(request, _("The customer's language was changed."))
    return redirect("desk:ticket", pk=ticket.pk)


class SettingsForm(forms.Form):
    urgency_raises_priority = forms.BooleanField(
        label=gettext_lazy("Urgency raises priority"),
        required=False,
        help_text=gettext_lazy(
            "An urgent customer message raises the ticket to high priority; never lowers it."
        ),
    )
    angry_team = forms.ModelChoiceField(
        label=gettext_lazy("Team for angry customers"),
        queryset=Team.objects.order_by("tier", "name"),
        required=False,
        help_text=gettext_lazy("An angry customer's ticket moves to this team (empty: no move)."),
    )
    internal_words = forms.CharField(
        label=gettext_lazy("Internal-only words"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One a line; a public reply that contains one is flagged."),
    )


@agent_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    if not user.is_admin:
        return HttpResponse(status=403)
    rules = AssistSettings.current()
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            actions.save_settings(
                by=user,
                urgency_raises_priority=data["urgency_raises_priority"],
                angry_team=data["angry_team"],
                internal_words=data["internal_words"],
            )
            messages.success(request, _("The assistant settings were saved."))
            return redirect("assist:settings")
    else:
        form = SettingsForm(
            initial={
                "urgency_raises_priority": rules.urgency_raises_priority,
                "angry_team": rules.angry_team_id,
                "internal_words": rules.internal_words,
            }
        )
    return render(request, "assist/settings.html", {"form": form})
