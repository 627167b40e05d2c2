"""SLA policies and business calendars in the settings area."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import signed_in_agent
from loket.setup import actions_sla, calendar_grid
from loket.setup.deleting import delete_or_explain
from loket.setup.forms_sla import TARGET_KINDS, CalendarForm, PolicyForm, TargetsForm
from loket.setup.guard import section_required
from loket.setup.sections import CALENDARS, SLA
from loket.sla.models import BusinessCalendar, Policy


@section_required(SLA)
def policies(request: HttpRequest) -> HttpResponse:
    rows = Policy.objects.select_related("calendar", "organisation").prefetch_related("targets")
    return render(request, "setup/policies.html", {"rows": rows, "section": SLA})


@section_required(SLA)
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Policy, pk=pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, instance=found)
    targets = TargetsForm(data, policy=found)
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        actions_sla.save_policy(form, targets, by=signed_in_agent(request))
        messages.success(request, _("SLA policy saved."))
        return redirect("setup:policies")
    return render(
        request,
        "setup/policy_form.html",
        {
            "form": form,
            "targets": targets,
            "kinds": [label for _k, label in TARGET_KINDS],
            "title": found.name if found is not None else _("New SLA policy"),
            "section": SLA,
            "object": found,
        },
    )


@section_required(SLA)
@require_POST
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_or_explain(
        request,
        get_object_or_404(Policy, pk=pk),
        section=SLA,
        in_use=_("Tickets still use this policy; switch it off instead."),
        done=_("SLA policy deleted."),
        edit_url="setup:policy",
        list_url="setup:policies",
    )


@section_required(CALENDARS)
def calendars(request: HttpRequest) -> HttpResponse:
    rows = []
    for cal in BusinessCalendar.objects.all():
        grid, _uneven = calendar_grid.grid_of(cal.spec or {})
        rows.append(
            {
                "calendar": cal,
                "always": bool((cal.spec or {}).get("24/7")),
                "hours": calendar_grid.open_hours(grid),
                "country": (cal.spec or {}).get("country", ""),
                "tz": (cal.spec or {}).get("tz", ""),
            }
        )
    return render(request, "setup/calendars.html", {"rows": rows, "section": CALENDARS})


@section_required(CALENDARS)
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(BusinessCalendar, pk=pk) if pk is not None else None
    form = CalendarForm(request.POST if request.method == "POST" else None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            actions_sla.save_calendar(
                found, form.cleaned_data["name"], form.spec(), by=signed_in_agent(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Business calendar saved."))
            return redirect("setup:calendars")
    country = form["country"].value() or ""
    subdiv = form["subdiv"].value() or ""
    try:
        holidays = calendar_grid.upcoming(
            str(country), str(subdiv), (get_language() or "en")[:2], timezone.localdate()
        )
    except (NotImplementedError, KeyError, ValueError):
        holidays = []
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    grid_rows = [
        {"hour": h, "cells": [(d, h in form.grid.get(d, set())) for d in range(7)]}
        for h in range(24)
    ]
    return render(
        request,
        "setup/calendar_form.html",
        {
            "form": form,
            "days": days,
            "grid_rows": grid_rows,
            "holidays": holidays,
            "title": found.name if found is not None else _("New business calendar"),
            "section": CALENDARS,
            "object": found,
        },
    )


@section_required(CALENDARS)
@require_POST
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_or_explain(
        request,
        get_object_or_404(BusinessCalendar, pk=pk),
        section=CALENDARS,
        in_use=_("An SLA policy uses this calendar; it cannot be deleted."),
        done=_("Business calendar deleted."),
        edit_url="setup:calendar",
        list_url="setup:calendars",
    )
