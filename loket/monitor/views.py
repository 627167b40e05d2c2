"""The public status page, the heartbeat URL, and the agents' monitor and incident pages."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from loket.accounts.models import User
from loket.monitor import actions, figures
from loket.monitor.models import (
    CheckResult,
    Incident,
    IncidentUpdate,
    Kind,
    MaintenanceWindow,
    Monitor,
    Status,
)
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.actions import ActionError

STATUS_ORDER = {Status.DOWN: 0, Status.MAINTENANCE: 1, Status.PENDING: 2, Status.UP: 3}


def status_page(request: HttpRequest) -> HttpResponse:
    """Current state per component, open and recent incidents, maintenance, 90-day uptime."""
    now = timezone.now()
    monitors = list(
        Monitor.objects.filter(public=True, enabled=True).order_by(
            "status_position", "component", "name"
        )
    )
    rows = figures.daily_uptime(monitors, days=90)
    # A group (component) shows where its first monitor comes in the chosen order.
    components: dict[str, list[figures.MonitorDays]] = defaultdict(list)
    for row in rows:
        components[row.monitor.component].append(row)
    public_updates = Prefetch(
        "updates", queryset=IncidentUpdate.objects.filter(public=True).order_by("-created_at")
    )
    incidents = list(
        Incident.objects.filter(public=True)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(days=7)))
        .select_related("monitor")
        .prefetch_related(public_updates)
        .order_by("-started_at")[:20]
    )
    maintenance = list(
        MaintenanceWindow.objects.filter(public=True, ends_at__gt=now)
        .filter(Q(monitor__isnull=True) | Q(monitor__public=True))
        .select_related("monitor")
        .order_by("starts_at")[:10]
    )
    open_incidents = [i for i in incidents if i.resolved_at is None]
    down = any(m.status == Status.DOWN for m in monitors)
    context: dict[str, Any] = {
        "components": list(components.items()),
        "open_incidents": open_incidents,
        "past_incidents": [i for i in incidents if i.resolved_at is not None],
        "maintenance": maintenance,
        "all_good": not down and not open_incidents,
        "bar_width": 4,
        "chart_width": 90 * 4,
    }
    return render(request, "monitor/status.html", context)


@csrf_exempt  # called by cron jobs and scripts with the secret token, never by a browser session
@require_http_methods(["GET", "POST", "HEAD"])
@never_cache
def push(request: HttpRequest, token: str) -> HttpResponse:
    """The heartbeat URL of a push monitor: each call says "the job ran"."""
    updated = Monitor.objects.filter(push_token=token, kind=Kind.PUSH, enabled=True).update(
        last_push_at=timezone.now()
    )
    if not updated:
        raise Http404
    return HttpResponse("ok\n", content_type="text/plain")


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_agent:
        raise Http404
    return user


@login_required
def monitor_list(request: HttpRequest) -> HttpResponse:
    _agent(request)
    monitors = list(Monitor.objects.order_by("component", "name"))
    monitors.sort(key=lambda m: (STATUS_ORDER.get(Status(m.status), 9), m.component, m.name))
    rows = figures.daily_uptime(monitors, days=30)
    return render(
        request, "monitor/monitor_list.html", {"rows": rows, "bar_width": 6, "chart_width": 180}
    )


def _pct(share: float | None) -> float | None:
    return None if share is None else share * 100


@login_required
def monitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _agent(request)
    monitor = get_object_or_404(Monitor, pk=pk)
    hours = figures.hourly_series(monitor, hours=48)
    slowest = max((b.max_ms or 0 for b in hours), default=0) or 1
    days = figures.daily_uptime([monitor], days=90)[0]
    recent = list(CheckResult.objects.filter(monitor=monitor).order_by("-id")[:20])
    context = {
        "monitor": monitor,
        "hours": hours,
        "slowest": slowest,
        "days": days,
        "week_pct": _pct(figures.period_uptime(monitor, 7)),
        "month_pct": _pct(figures.period_uptime(monitor, 30)),
        "recent": recent,
        "incidents": monitor.incidents.select_related("ticket")[:10],
        "chart_height": 60,
    }
    return render(request, "monitor/monitor_detail.html", context)


class LinkForm(forms.Form):
    ticket = forms.IntegerField(label=gettext_lazy("Ticket number"), min_value=1)


class UpdateForm(forms.Form):
    public = forms.BooleanField(
        label=gettext_lazy("Show on the status page"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Update in %(language)s") % {"language": str(name)},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=code == settings.LANGUAGE_CODE,
                max_length=5000,
            )


def _incident_for(user: User, pk: int) -> Incident:
    incident = Incident.objects.select_related("ticket", "monitor").filter(pk=pk).first()
    if incident is None or not tickets_visible_to(user).filter(pk=incident.ticket_id).exists():
        raise Http404
    return incident


@login_required
@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _agent(request)
    incident = _incident_for(user, pk)
    link_form = LinkForm(request.POST if "link" in request.POST else None)
    update_form = UpdateForm(request.POST if "update" in request.POST else None)
    if request.method == "POST":
        try:
            if "link" in request.POST and link_form.is_valid():
                ticket = get_ticket_for(user, link_form.cleaned_data["ticket"], write=True)
                if actions.link_ticket(incident, ticket, by=user):
                    messages.success(request, _("Ticket linked."))
                return redirect("monitor:incident", pk=incident.pk)
            if "unlink" in request.POST:
                ticket = get_ticket_for(user, request.POST.get("unlink", ""), write=True)
                actions.unlink_ticket(incident, ticket, by=user)
                return redirect("monitor:incident", pk=incident.pk)
            if "update" in request.POST and update_form.is_valid():
                data = update_form.cleaned_data
                texts = {
                    code: data[f"body_{code}"]
                    for code, _name in settings.LANGUAGES
                    if data.get(f"body_{code}")
                }
                update = actions.post_update(
                    incident,
                    by=user,
                    body=texts.pop(settings.LANGUAGE_CODE),
                    translations=texts,
                    public=data["public"],
                )
                messages.success(
                    request,
                    _("Update posted; %(n)s customers were told.") % {"n": update.replies_sent},
                )
                return redirect("monitor:incident", pk=incident.pk)
        except (actions.IncidentError, ActionError) as exc:
            messages.error(request, str(exc))
        except PermissionDenied:
            raise Http404 from None
    links = incident.links.select_related("ticket__customer").order_by("ticket_id")
    context = {
        "incident": incident,
        "links": links,
        "updates": incident.updates.select_related("by").order_by("-created_at"),
        "link_form": link_form,
        "update_form": update_form,
    }
    return render(request, "monitor/incident.html", context)
