"""The one access check for tickets, messages and attachments.

Every view and API route fetches through these functions. Anything a person may not see is
simply not found (404), so ids leak nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from loket.accounts.models import User
from loket.tickets.models import Attachment, Message, MessageKind, Ticket


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    qs = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_admin:
        return qs
    if user.is_agent:
        team_ids = list(user.teams.values_list("pk", flat=True))
        team_ids += list(user.managed_teams.values_list("pk", flat=True))
        return qs.filter(Q(team_id__in=team_ids) | Q(assignee=user))
    if user.organisation_id is not None:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.filter(customer=user)


def get_ticket_for(user: User, pk: int | str, *, write: bool = False) -> Ticket:
    """The ticket if ``user`` may see it (and, with ``write``, change it); otherwise 404.

    Customers "write" only by replying, which they may do on every ticket they can see.
    """
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    ticket = tickets_visible_to(user).filter(pk=key).first()
    if ticket is None:
        raise Http404
    if write and not user.is_agent and ticket.merged_into_id is not None:
        raise Http404
    return ticket


def messages_visible_to(user: User, ticket: Ticket) -> QuerySet[Message]:
    qs = ticket.messages.all()
    if not user.is_agent:
        qs = qs.exclude(kind=MessageKind.NOTE)
    return qs


def get_attachment_for(user: User, pk: int | str) -> Attachment:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    attachment = (
        Attachment.objects.select_related("message__ticket").filter(pk=key).first()
    )
    if attachment is None:
        raise Http404
    ticket = attachment.message.ticket
    if not tickets_visible_to(user).filter(pk=ticket.pk).exists():
        raise Http404
    if attachment.message.kind == MessageKind.NOTE and not user.is_agent:
        raise Http404
    return attachment
