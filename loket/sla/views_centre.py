"""The notification centre page in the desk, and marking notifications read (POST only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from loket.sla import centre
from loket.sla.models import Notification
from loket.sla.views import _agent


def _page(request: HttpRequest, *, partial: bool = False) -> HttpResponse:
    user = _agent(request)
    template = "sla/_centre_list.html" if partial else "sla/centre.html"
    return render(request, template, {"centre": centre.build(user)})


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's notifications: unread first, grouped by ticket."""
    return _page(request)


def _after_marking(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return _page(request, partial=True)
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks one of the agent's own notifications read (someone else's: 404)."""
    user = _agent(request)
    note = Notification.objects.filter(pk=pk, recipient=user).first()
    if note is None:
        raise Http404
    if note.read_at is None:
        Notification.objects.filter(pk=pk, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return _after_marking(request)


@login_required
@require_POST
def mark_all(request: HttpRequest) -> HttpResponse:
    """Marks all of the agent's own notifications read."""
    user = _agent(request)
    Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    return _after_marking(request)
