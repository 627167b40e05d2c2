"""The suggested reply on the ticket page: a draft the agent inserts, edits and sends."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.assist import replies
from loket.tickets.access import get_ticket_for


@require_GET
@agent_required
def suggested_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    base = f"{request.scheme}://{request.get_host()}"
    found = replies.draft(ticket, user, base_url=base)
    return render(request, "assist/suggest_reply.html", {"ticket": ticket, "draft": found})
