"""Rota pages and endpoints: a team's coverage, and an agent's own presence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.models import Team, User
from loket.rota import duty, presence
from loket.rota.models import PresenceStatus
from loket.sla.digest import spans

MAX_WEEKS = 8


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_agent:
        raise Http404
    return user


def _team_for(user: User, pk: int) -> Team:
    """A team the person may plan: admins any, managers the teams they manage or belong to."""
    team = Team.objects.filter(pk=pk).first()
    if team is None or not user.is_manager:
        raise Http404
    if (
        not user.is_admin
        and team.manager_id != user.pk
        and not team.members.filter(pk=user.pk).exists()
    ):
        raise Http404
    return team


@login_required
@require_GET
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    user = _agent(request)
    team = _team_for(user, pk)
    try:
        weeks = max(1, min(MAX_WEEKS, int(request.GET.get("weeks", "2"))))
    except ValueError:
        weeks = 2
    now = timezone.now()
    context = {
        "team": team,
        "weeks": weeks,
        "on_duty": duty.on_duty(team, now),
        "on_call": duty.on_call(team, now),
        "next": duty.next_on_duty(team, now),
        "gaps": spans(duty.uncovered_hours(team, now, weeks=weeks)),
    }
    return render(request, "rota/coverage.html", context)


@login_required
@require_POST
def set_presence(request: HttpRequest) -> JsonResponse:
    user = _agent(request)
    status = request.POST.get("status", "")
    if status not in PresenceStatus.values:
        error = _("status must be online, away or offline")
        return JsonResponse({"error": error}, status=400)
    presence.set_status(user, status)
    return JsonResponse({"status": status})


@login_required
@require_POST
def heartbeat(request: HttpRequest) -> JsonResponse:
    user = _agent(request)
    presence.heartbeat(user)
    now = timezone.now()
    return JsonResponse({"status": presence.statuses([user.pk], now)[user.pk]})
