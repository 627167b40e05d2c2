"""The desk side of chat: managers set up channels (and copy the snippet); agents see their
open conversations with unread counts, kept current by the live stream. And the widget's
own file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.chat import actions, pane
from loket.chat.forms import ChannelForm
from loket.chat.models import ChatChannel, ChatSession
from loket.rota.presence import heartbeat
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.models import Channel, MessageKind, State

WIDGET = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"


@cache
def _widget_source() -> bytes:
    return WIDGET.read_bytes()


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """``/chat/widget.js``: the script a website embeds (no framework, no inline style)."""
    response = HttpResponse(_widget_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _manager(request: HttpRequest) -> User:
    user = signed_in_agent(request)
    if not user.is_manager:
        raise Http404
    return user


def _conversations(user: User) -> list[dict[str, object]]:
    tickets = (
        tickets_visible_to(user)
        .filter(channel=Channel.CHAT)
        .exclude(state__in=[State.RESOLVED, State.CLOSED])
        .select_related("customer", "assignee")
        .annotate(
            unread=Count("messages", filter=Q(messages__needs_reply=True)),
            last_at=Max("messages__created_at"),
        )
        .order_by("-last_at")[:100]
    )
    rows = list(tickets)
    sessions = {
        s.ticket_id: s
        for s in ChatSession.objects.filter(ticket__in=rows).select_related("channel")
    }
    out: list[dict[str, object]] = []
    for ticket in rows:
        last = (
            ticket.messages.filter(kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY])
            .order_by("-pk")
            .first()
        )
        out.append(
            {
                "ticket": ticket,
                "session": sessions.get(ticket.pk),
                "last": last,
                "mine": ticket.assignee_id == user.pk,
            }
        )
    return out


@agent_required
@require_GET
def conversations(request: HttpRequest) -> HttpResponse:
    """The agent's chat view: open conversations with unread counts, updated live, and the
    one chosen (``?open=<ticket>``) beside them. Opening it counts as being at the desk
    (online for the chat widget)."""
    user = signed_in_agent(request)
    heartbeat(user)
    context: dict[str, object] = {"rows": _conversations(user), "sound": actions.sound_on(user)}
    chosen = request.GET.get("open", "")
    if chosen.isdigit() and len(chosen) < 19:
        context.update(pane.context(user, get_ticket_for(user, int(chosen))))
    return render(request, "chat/conversations.html", context)


@agent_required
@require_GET
def conversation_rows(request: HttpRequest) -> HttpResponse:
    """The list's rows again (fetched by the page when the live stream says a ticket
    changed)."""
    user = signed_in_agent(request)
    return render(request, "chat/_conversation_rows.html", {"rows": _conversations(user)})


@agent_required
@require_POST
def ticket_read(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent has the chat's ticket page open and visible: the visitor's messages up to
    now count as read (the widget shows it)."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk)
    actions.agent_read(ticket, by=user)
    return HttpResponse(status=204)


@agent_required
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    _manager(request)
    channels = ChatChannel.objects.select_related("team").annotate(n=Count("sessions"))
    return render(request, "chat/channels.html", {"channels": channels})


@agent_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _manager(request)
    channel = get_object_or_404(ChatChannel, pk=pk) if pk is not None else None
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("new_secret") and channel is not None:
            actions.new_channel_secret(channel, by=user)
        saved = actions.save_channel(form.instance, by=user)
        messages.success(request, _("The chat channel was saved."))
        return redirect("chat:channel", pk=saved.pk)
    widget_url = request.build_absolute_uri("/chat/widget.js")
    return render(
        request,
        "chat/channel_form.html",
        {"form": form, "channel": channel, "widget_url": widget_url},
    )
