"""Rota pages and endpoints: a team's coverage, an agent's shift swaps and own presence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.models import Team, User
from loket.rota import actions, duty, presence
from loket.rota.access import swap_for, swaps_visible_to
from loket.rota.models import PresenceStatus, Shift, ShiftChange, SwapStatus
from loket.sla.digest import spans

MAX_WEEKS = 8


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_agent:
        raise Http404
    return user


def _coverage_teams(user: User) -> QuerySet[Team]:
    """The teams whose coverage the person sees: admins every team, others the teams they
    belong to or manage (an agent on a rota wants to know who is on after them, too)."""
    teams = Team.objects.order_by("tier", "name")
    if user.is_admin:
        return teams
    return teams.filter(Q(manager=user) | Q(members=user)).distinct()


def _team_for(user: User, pk: int) -> Team:
    team = _coverage_teams(user).filter(pk=pk).first()
    if team is None:
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
        "pending": swaps_visible_to(user)
        .filter(team=team, status__in=actions.PENDING, end__gt=now)
        .select_related("agent", "replaces"),
    }
    return render(request, "rota/coverage.html", context)


@login_required
@require_GET
def swaps(request: HttpRequest) -> HttpResponse:
    """The agent's coming shifts (to hand one over), and the swaps they are part of or decide."""
    user = _agent(request)
    now = timezone.now()
    visible = swaps_visible_to(user).select_related("team", "agent", "replaces", "decided_by")
    occurrences = actions.occurrences(user, now)
    people = {o.shift.team_id: actions.colleagues(user, o.shift.team) for o in occurrences}
    context = {
        "shifts": [(o, people[o.shift.team_id]) for o in occurrences],
        "asked": visible.filter(agent=user, status=SwapStatus.PROPOSED, end__gt=now),
        "mine": visible.filter(replaces=user, end__gt=now).order_by("start"),
        "to_decide": [
            c
            for c in visible.filter(status=SwapStatus.ACCEPTED, end__gt=now)
            if actions.may_decide(user, c.team)
        ],
        "coverage_teams": _coverage_teams(user),
    }
    return render(request, "rota/swaps.html", context)


def _done(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("rota:swaps")


@login_required
@require_POST
def propose_swap(request: HttpRequest) -> HttpResponse:
    user = _agent(request)
    try:
        shift = Shift.objects.select_related("team").get(
            pk=int(request.POST.get("shift", "")), agent=user
        )
        colleague = User.objects.get(pk=int(request.POST.get("colleague", "")))
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except (ValueError, Shift.DoesNotExist, User.DoesNotExist):
        messages.error(request, _("Choose one of your shifts and a colleague."))
        return redirect("rota:swaps")
    if start.tzinfo is None:
        messages.error(request, _("Choose one of your shifts and a colleague."))
        return redirect("rota:swaps")
    try:
        actions.propose_swap(shift, start, colleague, by=user, note=request.POST.get("note", ""))
    except actions.SwapError as exc:
        messages.error(request, str(exc))
        return redirect("rota:swaps")
    return _done(request, _("Your colleague was asked to take over the shift."))


def _swap_step(
    request: HttpRequest, pk: int, step: Callable[[ShiftChange, User], object], done: str
) -> HttpResponse:
    """One step of a swap by the signed-in agent: someone else's swap is a 404, a refused
    step comes back as a message on the swaps page."""
    user = _agent(request)
    change = swap_for(user, pk)
    try:
        step(change, user)
    except PermissionDenied:
        raise Http404 from None
    except actions.SwapError as exc:
        messages.error(request, str(exc))
        return redirect("rota:swaps")
    return _done(request, done)


@login_required
@require_POST
def answer_swap(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("accept") == "1"
    return _swap_step(
        request,
        pk,
        lambda change, user: actions.answer_swap(change, by=user, accept=accept),
        _("You took over the shift.") if accept else _("You declined the swap."),
    )


@login_required
@require_POST
def decide_swap(request: HttpRequest, pk: int) -> HttpResponse:
    approve = request.POST.get("approve") == "1"
    return _swap_step(
        request,
        pk,
        lambda change, user: actions.decide_swap(change, by=user, approve=approve),
        _("The swap was approved.") if approve else _("The swap was refused."),
    )


@login_required
@require_POST
def withdraw_swap(request: HttpRequest, pk: int) -> HttpResponse:
    return _swap_step(
        request,
        pk,
        lambda change, user: actions.withdraw_swap(change, by=user),
        _("You withdrew the swap."),
    )


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
