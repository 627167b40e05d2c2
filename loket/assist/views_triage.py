"""Triage in the desk: the suggestions panel on the ticket page, one-click apply or dismiss,
the admin's settings page with the trained models."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.assist import triage
from loket.assist.models_triage import (
    TriageField,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)
from loket.tickets.access import get_ticket_for
from loket.tickets.actions import ActionError


class TriageSettingsForm(forms.ModelForm[TriageSettings]):
    class Meta:
        model = TriageSettings
        fields = ["enabled", "auto_team", "auto_tag", "auto_priority", "threshold", "suggest_from"]
        widgets = {
            "threshold": forms.NumberInput(attrs={"step": "0.01", "min": "0.5", "max": "1"}),
            "suggest_from": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }


@require_GET
@agent_required
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    found = triage.open_suggestions(ticket)
    if not found:
        # Nothing to suggest: htmx leaves the (empty, hidden) card as it is.
        return HttpResponse(status=204)
    return render(
        request,
        "assist/triage_panel.html",
        {"ticket": ticket, "suggestions": [(s, triage.label_of(s)) for s in found]},
    )


def _decide(request: HttpRequest, pk: int, sid: int, take: bool) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    suggestion = TriageSuggestion.objects.filter(pk=sid, ticket=ticket).first()
    if suggestion is None:
        messages.error(request, _("This suggestion was already handled."))
        return redirect("desk:ticket", pk=ticket.pk)
    try:
        if take:
            triage.apply(suggestion, ticket, by=user)
        else:
            triage.dismiss(suggestion, ticket, by=user)
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        if take:
            messages.success(
                request,
                _("Applied: %(field)s %(value)s.")
                % {"field": suggestion.get_field_display(), "value": triage.label_of(suggestion)},
            )
    return redirect("desk:ticket", pk=ticket.pk)


@require_POST
@agent_required
def apply(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    return _decide(request, pk, sid, take=True)


@require_POST
@agent_required
def dismiss(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    return _decide(request, pk, sid, take=False)


@agent_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    if not user.is_admin:
        raise PermissionDenied(_("Only admins may change the triage settings."))
    conf = TriageSettings.current()
    form = TriageSettingsForm(request.POST or None, instance=conf)
    if request.method == "POST":
        if request.POST.get("train") == "1":
            from loket.assist.triage_tasks import retrain

            retrain.enqueue()
            messages.success(request, _("Training is queued; the worker runs it shortly."))
            return redirect("assist_triage:settings")
        if form.is_valid():
            saved = form.save(commit=False)
            saved.updated_by = user
            saved.save()
            messages.success(request, _("Triage settings saved."))
            return redirect("assist_triage:settings")
    model = TriageModel.objects.defer("blob").first()
    labels = model.labels if model is not None else {}
    heads = [
        (label, len(labels.get(str(field), {})), sum(labels.get(str(field), {}).values()))
        for field, label in TriageField.choices
    ]
    return render(
        request,
        "assist/triage_settings.html",
        {"form": form, "model": model, "heads": heads, "title": gettext_lazy("Triage")},
    )
