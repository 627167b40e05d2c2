"""Website monitors for managers in the settings area: add, change, pause, resume, delete;
and the public status page's components (shown or not, group, order, public names)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.forms import modelformset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import signed_in_agent
from loket.monitor.models import Kind, Monitor
from loket.setup import actions_monitors
from loket.setup.deleting import delete_or_explain
from loket.setup.forms_monitors import ComponentForm, MonitorForm
from loket.setup.guard import section_required
from loket.setup.sections import MONITOR_SETTINGS, STATUS_PAGE

ComponentFormSet = modelformset_factory(Monitor, form=ComponentForm, extra=0, can_delete=False)


@section_required(MONITOR_SETTINGS)
def monitors(request: HttpRequest) -> HttpResponse:
    rows = Monitor.objects.select_related("team").order_by("component", "name")
    return render(request, "setup/monitors.html", {"rows": rows, "section": MONITOR_SETTINGS})


@section_required(MONITOR_SETTINGS)
def monitor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Monitor, pk=pk) if pk is not None else None
    form = MonitorForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        saved = actions_monitors.save_monitor(form, by=signed_in_agent(request))
        messages.success(request, _("Monitor saved."))
        return redirect("setup:monitor", pk=saved.pk)
    push_url = ""
    if found is not None and found.kind == Kind.PUSH:
        push_url = settings.BASE_URL.rstrip("/") + found.push_path
    return render(
        request,
        "setup/monitor_form.html",
        {"form": form, "title": found.name if found is not None else _("New monitor"),
         "section": MONITOR_SETTINGS, "object": found, "push_url": push_url},
    )  # fmt: skip


@section_required(MONITOR_SETTINGS)
@require_POST
def monitor_pause(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = get_object_or_404(Monitor, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    if actions_monitors.set_enabled(monitor, enabled, by=signed_in_agent(request)):
        messages.success(request, _("Monitor resumed.") if enabled else _("Monitor paused."))
    return redirect("setup:monitor", pk=pk)


@section_required(MONITOR_SETTINGS)
@require_POST
def monitor_delete(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = get_object_or_404(Monitor, pk=pk)
    return delete_or_explain(
        request,
        monitor,
        section=MONITOR_SETTINGS,
        in_use=_("This monitor is still in use."),
        done=_("Monitor deleted; its incidents and their tickets stay."),
        edit_url="setup:monitor",
        list_url="setup:monitors",
    )


@section_required(STATUS_PAGE)
def status_page(request: HttpRequest) -> HttpResponse:
    queryset = Monitor.objects.order_by("status_position", "component", "name")
    formset = ComponentFormSet(request.POST or None, queryset=queryset, prefix="m")
    if request.method == "POST" and formset.is_valid():
        n = actions_monitors.save_components(formset.forms, by=signed_in_agent(request))
        if n:
            messages.success(request, _("Status page saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("setup:status_page")
    return render(
        request,
        "setup/status_page.html",
        {"formset": formset, "section": STATUS_PAGE, "languages": settings.LANGUAGES},
    )
