"""Desk pages: the follow-up list of bad ratings, and a satisfaction summary for managers.

Surveys are reached only through their tickets (``tickets_visible_to`` /
``get_ticket_for``): an agent sees the ratings of the tickets they may see.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.csat import actions
from loket.csat.models import Survey, SurveyStatus
from loket.tickets.access import get_ticket_for, tickets_visible_to

PERIODS = (7, 30, 90, 365)


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    return Survey.objects.filter(ticket__in=tickets_visible_to(user))


@agent_required
def follow_up(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    rows = (
        surveys_visible_to(user)
        .filter(needs_follow_up=True)
        .select_related("ticket", "agent", "team", "customer")
        .order_by("follow_up_since", "pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    handled = (
        surveys_visible_to(user)
        .filter(needs_follow_up=False, handled_at__isnull=False)
        .select_related("ticket", "handled_by")
        .order_by("-handled_at")[:10]
    )
    return render(request, "csat/follow_up.html", {"page": page, "handled": handled})


@agent_required
@require_POST
def mark_handled(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    get_ticket_for(user, survey.ticket_id)  # the one access check: 404 when not visible
    if actions.mark_handled(survey, by=user, note=request.POST.get("note", "")):
        messages.success(request, _("#%(n)s is marked as followed up.") % {"n": survey.ticket_id})
    back = request.POST.get("next", "")
    if back == "ticket":
        return redirect("desk:ticket", pk=survey.ticket_id)
    return redirect("csat:follow_up")


@agent_required
def summary(request: HttpRequest) -> HttpResponse:
    """Score, response rate and the latest comments over a period, for managers."""
    user = signed_in_agent(request)
    if not user.is_manager:
        raise Http404
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    if days not in PERIODS:
        days = 30
    since = timezone.now() - timedelta(days=days)
    sent = surveys_visible_to(user).filter(status=SurveyStatus.SENT, sent_at__gte=since)
    totals = sent.aggregate(
        sent=Count("pk"),
        rated=Count("pk", filter=Q(score__isnull=False)),
        satisfied=Count("pk", filter=Q(satisfied=True)),
        follow_up=Count("pk", filter=Q(needs_follow_up=True)),
    )
    by_team = (
        sent.values("team__name")
        .annotate(
            sent=Count("pk"),
            rated=Count("pk", filter=Q(score__isnull=False)),
            satisfied=Count("pk", filter=Q(satisfied=True)),
        )
        .order_by("team__name")
    )
    comments = (
        sent.exclude(comment="")
        .select_related("ticket", "agent")
        .order_by("-commented_at", "-pk")[:15]
    )
    return render(
        request,
        "csat/summary.html",
        {
            "days": days,
            "periods": PERIODS,
            "totals": totals,
            "score": _percent(totals["satisfied"], totals["rated"]),
            "response_rate": _percent(totals["rated"], totals["sent"]),
            "teams": [
                {**row, "score": _percent(row["satisfied"], row["rated"])} for row in by_team
            ],
            "comments": comments,
        },
    )


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None
