"""The survey pages a customer reaches from the mail, without signing in, and the portal's
rating form.

Mail scanners and link previewers open links: a GET never changes anything. The link opens
a page with the chosen rating and a button; only the POST of that button stores it (CSRF-
protected like every form). Then the comment page. Tampered, expired or foreign links (a
token shown with another ticket's number) get a page that says so, with nothing changed;
a replayed link stores nothing new (the same rating twice is no change), and while the
survey is open the customer may change their rating: the last one counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.models import User
from loket.csat import actions, links
from loket.csat.models import Survey
from loket.tickets.access import get_ticket_for

STATUS = {
    links.Refusal.TAMPERED: 400,
    links.Refusal.OTHER_TICKET: 400,
    links.Refusal.EXPIRED: 410,
    links.Refusal.UNKNOWN: 404,
}


def _refused(request: HttpRequest, refusal: links.Refusal) -> HttpResponse:
    return render(request, "csat/invalid.html", {"refusal": refusal.value}, status=STATUS[refusal])


def _context(survey: Survey, token: str, **extra: object) -> dict[str, object]:
    return {
        "survey": survey,
        "ticket": survey.ticket,
        "token": token,
        "informal": survey.informal,
        "options": [(s, survey.score_label(s)) for s in survey.choices],
        **extra,
    }


def _open_survey(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The signed link's survey, while it may still be changed, in its language; otherwise
    the page that says why nothing changed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, ticket_id: int, token: str, **kwargs: Any) -> HttpResponse:
        checked = links.check(token, ticket_id)
        if checked.survey is None:
            assert checked.refusal is not None
            return _refused(request, checked.refusal)
        survey = checked.survey
        with translation.override(survey.language or translation.get_language()):
            if not actions.can_change(survey):
                return _refused(request, links.Refusal.EXPIRED)
            return view(request, survey, ticket_id, token, **kwargs)

    return wrapper


@_open_survey
def rate(
    request: HttpRequest, survey: Survey, ticket_id: int, token: str, score: int
) -> HttpResponse:
    chosen = score
    if request.method == "POST":
        try:
            chosen = int(request.POST.get("score", score))
            actions.rate(survey, chosen, by=None, via="mail")
        except (ValueError, actions.SurveyError) as exc:
            error = str(exc) if isinstance(exc, actions.SurveyError) else _("Choose a rating.")
            context = _context(survey, token, chosen=score, error=error)
            return render(request, "csat/rate.html", context, status=400)
        return redirect("survey:comment", ticket_id=ticket_id, token=token)
    if chosen not in survey.choices:
        chosen = survey.choices[0]
    return render(request, "csat/rate.html", _context(survey, token, chosen=chosen))


@_open_survey
def comment(request: HttpRequest, survey: Survey, ticket_id: int, token: str) -> HttpResponse:
    saved = False
    if request.method == "POST":
        try:
            actions.comment(survey, request.POST.get("comment", ""), by=None)
        except actions.SurveyError as exc:
            context = _context(survey, token, error=str(exc))
            return render(request, "csat/comment.html", context, status=400)
        saved = True
        survey.refresh_from_db()
    return render(request, "csat/comment.html", _context(survey, token, saved=saved))


@login_required
@require_POST
def portal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The rating form on the portal's ticket page (the ticket's own customer only)."""
    user = request.user
    assert isinstance(user, User)
    ticket = get_ticket_for(user, pk)
    survey = Survey.objects.filter(ticket=ticket).select_related("ticket").first()
    if survey is None or survey.customer_id != user.pk or not actions.can_change(survey):
        messages.error(request, _("This ticket cannot be rated (any more)."))
        return redirect("portal:ticket", pk=pk)
    try:
        score = int(request.POST.get("score", ""))
        actions.rate(survey, score, by=user, via="portal")
        if "comment" in request.POST:
            actions.comment(survey, request.POST["comment"], by=user)
    except ValueError as exc:
        message = str(exc) if isinstance(exc, actions.SurveyError) else _("Choose a rating.")
        messages.error(request, message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("portal:ticket", pk=pk)
