"""The trainee's side: exercises to answer in the sandbox, and their own scores over time."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.training import actions
from loket.training.models import CRITERIA, CRITERIA_LABELS, Attempt, Exercise, Review
from loket.training.sampling import week_start

WEEKS = 12


def progress(agent: User) -> list[dict[str, object]]:
    """Average score per criterion for each of the last weeks with reviews, newest first."""
    since = timezone.now() - timedelta(weeks=WEEKS)
    weeks: dict[date, list[Review]] = defaultdict(list)
    for review in Review.objects.filter(agent=agent, created_at__gte=since):
        weeks[week_start(timezone.localdate(review.created_at))].append(review)
    rows = []
    for week, reviews in sorted(weeks.items(), reverse=True):
        averages = [round(sum(getattr(r, c) for r in reviews) / len(reviews), 1) for c in CRITERIA]
        rows.append(
            {
                "week": week,
                "count": len(reviews),
                "averages": averages,
                "overall": round(sum(averages) / len(averages), 1),
            }
        )
    return rows


def scores_context(agent: User) -> dict[str, object]:
    reviews = (
        Review.objects.filter(agent=agent)
        .select_related("attempt__exercise", "message", "reviewer")
        .order_by("-created_at")[:30]
    )
    return {
        "reviews": reviews,
        "progress": progress(agent),
        "criteria_labels": [CRITERIA_LABELS[c] for c in CRITERIA],
    }


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    agent = signed_in_agent(request)
    exercises = list(Exercise.objects.filter(archived=False))
    attempts: dict[int, Attempt] = {}
    for attempt in Attempt.objects.filter(agent=agent).order_by("started_at"):
        attempts[attempt.exercise_id] = attempt  # the latest per exercise
    rows = [(exercise, attempts.get(exercise.pk)) for exercise in exercises]
    return render(
        request,
        "training/index.html",
        {"rows": rows, "subject": agent, "own": True, **scores_context(agent)},
    )


@agent_required
def exercise(request: HttpRequest, pk: int) -> HttpResponse:
    """The sandbox: the customer's message and a reply box whose answer is never sent."""
    agent = signed_in_agent(request)
    item = get_object_or_404(Exercise, pk=pk, archived=False)
    attempt = actions.open_attempt(item, agent)
    error = ""
    if request.method == "POST":
        try:
            actions.submit_attempt(attempt, request.POST.get("answer", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
            attempt.answer = request.POST.get("answer", "")
        else:
            messages.success(request, _("Your answer is handed in for review. Nothing was sent."))
            return redirect("training:index")
    done = Attempt.objects.filter(exercise=item, agent=agent, submitted_at__isnull=False)
    return render(
        request,
        "training/exercise.html",
        {"exercise": item, "attempt": attempt, "error": error, "done": done.count()},
    )
