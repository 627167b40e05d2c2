"""The managers' side: exercises (written or made from solved tickets) and reviews of practice
and of real answers (the weekly sample), on one rubric."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import manager_required, signed_in_agent
from loket.accounts.models import STAFF_ROLES, User
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.models import Message, MessageKind
from loket.training import actions
from loket.training.forms import ExerciseForm, ReviewForm
from loket.training.models import CRITERIA, Attempt, Exercise, Review
from loket.training.sampling import week_start, weekly_sample
from loket.training.views import scores_context


@manager_required
def exercises(request: HttpRequest) -> HttpResponse:
    rows = Exercise.objects.annotate(
        handed_in=Count("attempts", filter=Q(attempts__submitted_at__isnull=False))
    )
    return render(request, "training/exercises.html", {"exercises": rows})


@manager_required
def edit_exercise(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    manager = signed_in_agent(request)
    item = get_object_or_404(Exercise, pk=pk) if pk else None
    form = ExerciseForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        if item is None:
            item = actions.create_exercise(**form.cleaned_data, by=manager)
        else:
            form.save()
        messages.success(request, _("The exercise is saved."))
        return redirect("training:exercises")
    return render(request, "training/exercise_form.html", {"form": form, "exercise": item})


@manager_required
@require_POST
def from_ticket(request: HttpRequest) -> HttpResponse:
    manager = signed_in_agent(request)
    number = request.POST.get("ticket", "").strip().lstrip("#")
    if not number.isdigit():
        messages.error(request, _("Give the number of a solved ticket."))
        return redirect("training:exercises")
    ticket = get_ticket_for(manager, int(number))
    try:
        item = actions.exercise_from_ticket(ticket, by=manager)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("training:exercises")
    messages.success(
        request,
        _("Made anonymous from #%(n)s: check the text before trainees see it.") % {"n": ticket.pk},
    )
    return redirect("training:edit_exercise", pk=item.pk)


@manager_required
@require_POST
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Exercise, pk=pk)
    actions.set_archived(item, request.POST.get("archived") == "1")
    return redirect("training:exercises")


def _week(request: HttpRequest) -> date:
    try:
        return week_start(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return week_start(timezone.localdate())


def _visible_replies(user: User) -> QuerySet[Message]:
    return Message.objects.filter(ticket__in=tickets_visible_to(user), kind=MessageKind.REPLY)


@manager_required
def queue(request: HttpRequest) -> HttpResponse:
    manager = signed_in_agent(request)
    waiting = (
        Attempt.objects.filter(submitted_at__isnull=False)
        .exclude(agent=manager)
        .annotate(reviewed=Exists(Review.objects.filter(attempt=OuterRef("pk"))))
        .filter(reviewed=False)
        .select_related("exercise", "agent")
        .order_by("submitted_at")
    )
    week = _week(request)
    samples = [s for s in weekly_sample(week, _visible_replies(manager)) if s.agent != manager]
    return render(
        request,
        "training/queue.html",
        {
            "waiting": waiting,
            "samples": samples,
            "week": week,
            "previous": week - timedelta(days=7),
            "next": week + timedelta(days=7) if week < week_start(timezone.localdate()) else None,
        },
    )


def _review_page(
    request: HttpRequest,
    *,
    attempt: Attempt | None = None,
    message: Message | None = None,
    context: dict[str, object],
) -> HttpResponse:
    reviewer = signed_in_agent(request)
    mine = Review.objects.filter(reviewer=reviewer, attempt=attempt, message=message).first()
    initial = None
    if mine is not None:
        initial = {"comment": mine.comment, **{c: str(getattr(mine, c)) for c in CRITERIA}}
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.review(
                reviewer=reviewer,
                scores=actions.Scores.from_data(form.cleaned_data),
                comment=form.cleaned_data["comment"],
                attempt=attempt,
                message=message,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The review is saved."))
            return redirect("training:queue")
    others = Review.objects.filter(attempt=attempt, message=message).exclude(reviewer=reviewer)
    return render(
        request,
        "training/review.html",
        {"form": form, "others": others.select_related("reviewer"), **context},
    )


@manager_required
def review_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.select_related("exercise", "agent"), pk=pk, submitted_at__isnull=False
    )
    return _review_page(
        request,
        attempt=attempt,
        context={
            "agent": attempt.agent,
            "question": attempt.exercise.customer_message,
            "answer": attempt.answer,
            "reference": attempt.exercise.reference_answer,
            "title": attempt.exercise.title,
            "seconds": attempt.seconds,
        },
    )


@manager_required
def review_message(request: HttpRequest, pk: int) -> HttpResponse:
    reviewer = signed_in_agent(request)
    message = Message.objects.filter(pk=pk, kind=MessageKind.REPLY).select_related("author").first()
    if message is None or message.author is None:
        raise Http404
    ticket = get_ticket_for(reviewer, message.ticket_id)  # the one access check
    question = (
        ticket.messages.filter(kind=MessageKind.CUSTOMER, created_at__lte=message.created_at)
        .order_by("-created_at", "-pk")
        .first()
    )
    seconds = int((message.created_at - question.created_at).total_seconds()) if question else None
    return _review_page(
        request,
        message=message,
        context={
            "agent": message.author,
            "question": question.body if question else "",
            "answer": message.body,
            "reference": "",
            "title": ticket.subject,
            "ticket": ticket,
            "seconds": seconds,
        },
    )


@manager_required
def agent_scores(request: HttpRequest, pk: int) -> HttpResponse:
    agent = User.objects.filter(pk=pk, role__in=STAFF_ROLES).first()
    if agent is None:
        raise Http404
    return render(
        request, "training/scores.html", {"subject": agent, "own": False, **scores_context(agent)}
    )
