"""Pieces of desk pages that a page fetches again when its live stream says something
changed (``loket/live/static/live/desk.js``). Each goes through the same access check as
the page it belongs to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.tickets import collisions
from loket.tickets import inbox_rows as row_html
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.views import inbox_query, ticket_timeline, view_counts

MAX_ROWS = 50


def _ids(raw: str) -> list[int] | None:
    parts = [p for p in raw.split(",") if p]
    if len(parts) > MAX_ROWS or not all(p.isdigit() and len(p) < 19 for p in parts):
        return None
    return sorted({int(p) for p in parts})


@agent_required
@require_GET
def inbox_rows(request: HttpRequest) -> HttpResponse:
    """``?ids=1,2&<the inbox's own parameters>``: the rows of those tickets that belong in
    that view now (a ticket left out has left the view, or the agent's sight), and the
    view counts."""
    user = signed_in_agent(request)
    params = request.GET.dict()
    ids = _ids(params.pop("ids", ""))
    if ids is None:
        return HttpResponseBadRequest(_("Ask for at most %(n)s tickets.") % {"n": MAX_ROWS})
    asked = inbox_query(user, params)
    qs = tickets_visible_to(user) if asked.query else asked.queryset(user)
    tickets = list(
        qs.filter(pk__in=ids).select_related("customer", "assignee", "team", "organisation")
    )
    return render(
        request,
        "desk/_inbox_rows.html",
        {
            "rows": row_html.render(tickets),
            "views": view_counts(user, request),
            "view": asked.view,
            "query": asked.query,
            "current_saved": asked.saved,
        },
    )


@agent_required
@require_GET
def ticket_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page's changing parts: the line under the title and the timeline;
    ``?seen=<event id>`` (the reply form's) also says whether someone answered since."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    seen = request.GET.get("seen", "")
    answered = []
    if seen.isdigit() and len(seen) < 19:
        answered = collisions.answered_since(ticket, int(seen), user)
    return render(
        request,
        "desk/_ticket_live.html",
        {
            "ticket": ticket,
            "timeline": ticket_timeline(ticket),
            "answered": answered,
            "fresh_ids": {m.pk for m in answered},
        },
    )


@agent_required
@require_GET
def unanswered_badge(request: HttpRequest) -> HttpResponse:
    """The header's unanswered counter (its figures come from the desk context processor)."""
    return render(request, "desk/_unanswered_badge.html")
