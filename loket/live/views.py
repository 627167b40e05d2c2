"""The desk's live endpoints: the event stream, and presence on a ticket."""

from __future__ import annotations

import functools

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loket.accounts.models import User
from loket.live import presence
from loket.live.cursor import BadCursor, Cursor
from loket.live.desk import DeskAudience, Listener, listener_for, still_listening
from loket.live.hub import Hub, HubClosed, get_hub
from loket.live.items import Audience
from loket.live.stream import Stream
from loket.tickets.access import get_ticket_for


def _refusal(status: int, text: str, retry_after: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


async def desk_stream(request: HttpRequest) -> HttpResponseBase:
    """``GET``: the signed-in agent's server-sent events (``Last-Event-ID`` header, or
    ``?last_event_id=`` for a tab taking over from another, resumes)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not isinstance(request, ASGIRequest):  # a WSGI server would hold a thread for ever
        return _refusal(503, _("Live updates need an ASGI server (loket run, uvicorn)."), 3600)
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id", "")
    try:
        since = Cursor.parse(raw) if raw else None
    except BadCursor:
        return HttpResponseBadRequest(_("This stream position is not valid."))
    listener = await sync_to_async(listener_for)(request)
    if listener is None:
        return HttpResponseForbidden(_("Live updates are for signed-in agents."))
    try:
        hub = await get_hub()
    except HubClosed:
        return _refusal(503, _("The server is restarting; try again shortly."), 5)
    owner = f"user:{listener.user_id}"
    if not hub.has_room(owner):
        return _refusal(429, _("Too many live connections are open; close some tabs."), 30)
    refresh = functools.partial(_refresh, hub, listener)
    stream = Stream(hub, owner, DeskAudience(listener.viewer), since=since, refresh=refresh)
    return stream.response()


async def _refresh(hub: Hub, listener: Listener) -> Audience | None:
    return await hub.run_db(still_listening, listener)


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_agent:
        raise Http404
    return user


@login_required
@require_http_methods(["GET", "POST"])
def ticket_presence(request: HttpRequest, pk: int) -> HttpResponse:
    """``POST state=viewing|typing|left`` (the page's heartbeat) and ``GET``: who else has
    this ticket open, as a fragment for the ticket page."""
    agent = _agent(request)
    ticket = get_ticket_for(agent, pk)
    if request.method == "POST":
        try:
            state = presence.State(request.POST.get("state", ""))
        except ValueError:
            return HttpResponseBadRequest(_("Unknown presence state."))
        presence.touch(agent, ticket, state)
        if state == presence.State.LEFT:
            return HttpResponse(status=204)
    now = timezone.now()
    others = presence.present(ticket, besides=agent, now=now)
    soonest = min((p.until for p in others), default=None)
    refresh_in = max(1, int((soonest - now).total_seconds()) + 1) if soonest else 0
    return render(
        request,
        "live/presence.html",
        {"others": others, "refresh_in": refresh_in, "ticket": ticket},
    )
