"""The chat view's conversation pane: the chosen chat beside the list, answered there.

``/desk/chat/tickets/<pk>/pane/`` draws it (fetched again by ``chat-desk.js`` whenever the
live stream says the ticket changed); ``…/pane/reply/`` sends the reply through
``loket.tickets.collisions`` (so nothing goes out when the visitor or a colleague wrote after
what the pane showed: the pane is drawn again with a notice instead); ``/desk/chat/sound/``
keeps the agent's sound choice. Every ticket is fetched through the access check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.chat import actions
from loket.chat.models import ChatSession
from loket.tickets import actions as ticket_actions
from loket.tickets import collisions
from loket.tickets.access import get_ticket_for
from loket.tickets.models import Message, MessageKind, State, Ticket

SHOWN = 60  # the newest messages the pane shows (the ticket page has them all)
MAX_BODY = 20_000


def context(user: User, ticket: Ticket, *, error: str = "", draft: str = "") -> dict[str, Any]:
    session = ChatSession.objects.filter(ticket=ticket).first()
    newest = list(
        Message.objects.filter(ticket=ticket, kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY])
        .select_related("author")
        .order_by("-pk")[:SHOWN]
    )
    newest.reverse()
    return {
        "pane": ticket,
        "pane_session": session,
        "pane_messages": newest,
        "pane_read_upto": session.visitor_read_upto if session else 0,
        "pane_seen_event": collisions.latest_event_id(ticket),
        "pane_open": ticket.state not in (State.RESOLVED, State.CLOSED),
        "pane_error": error,
        "pane_draft": draft,
    }


def _pane(
    request: HttpRequest, user: User, ticket: Ticket, status: int = 200, **kw: Any
) -> HttpResponse:
    return render(request, "chat/_pane.html", context(user, ticket, **kw), status=status)


@agent_required
@require_GET
def show(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    return _pane(request, user, get_ticket_for(user, pk))


@agent_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply from the pane. With ``fetch`` the answer is the pane drawn again (409 with
    the reason when nothing was sent); a plain form post goes back to the chat view."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    body = request.POST.get("body", "").strip()
    seen = request.POST.get("seen_event", "")
    error = ""
    if not body:
        error = _("Write a reply first.")
    elif len(body) > MAX_BODY:
        error = _("A reply is at most %(n)s characters.") % {"n": MAX_BODY}
    elif not seen.isdigit() or len(seen) > 18:
        error = _("Something went wrong; reload the page and try again.")
    else:
        try:
            collisions.reply_unless_answered(ticket, seen_event_id=int(seen), by=user, body=body)
        except collisions.AnsweredMeanwhile:
            error = _(
                "New messages came in while you were writing. Your reply has not been sent: "
                "read them, then send it again."
            )
        except (ticket_actions.ActionError, PermissionDenied) as exc:
            error = str(exc) or _("You may not do this.")
    if request.headers.get("X-Requested-With") != "fetch":
        return redirect(reverse("chat:conversations") + f"?open={ticket.pk}")
    ticket.refresh_from_db()
    if error:
        return _pane(request, user, ticket, 409, error=error, draft=body)
    return _pane(request, user, ticket)


@agent_required
@require_POST
def sound(request: HttpRequest) -> HttpResponse:
    """Switches the chat view's sound on (``on=1``) or off for the signed-in agent."""
    user = signed_in_agent(request)
    actions.set_sound(user, request.POST.get("on") == "1")
    return HttpResponse(status=204)
