"""The one access check for tickets, messages and attachments.

Every view and API route fetches through these functions. Anything a person may not see is
simply not found (404), so ids leak nothing.

An agent's own history: a ticket they worked on (changed, or wrote on) stays readable to them
after it left their team, e.g. when they escalated it (``AGENT_HISTORY_ACCESS``, on by
default). Only reading: the ticket page through ``get_ticket_for_reading``, its messages and
attachments; it is not in their inbox, and every change (``write=True``) still needs the
ticket to be theirs to see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404

from loket.accounts.access import shared_organisation_id
from loket.accounts.models import User
from loket.tickets.models import Attachment, Event, Message, MessageKind, Ticket


def _signed_in(user: User | AnonymousUser) -> TypeGuard[User]:
    """An active person with an account (anonymous visitors and deactivated people see nothing)."""
    return bool(user.is_authenticated and user.is_active)


def _is_agent(user: User | AnonymousUser) -> bool:
    return _signed_in(user) and user.is_agent


def _as_one_condition(q: Q) -> Case:
    """The same rows as ``filter(q)``, as one CASE expression that no index can answer.

    SQLite answers ``team IN (...) OR assignee = me`` by collecting every match from two
    indexes and sorting them all (a whole team's tickets, for one page of 50). As one opaque
    condition it walks the newest-first index instead and stops after a page; the other
    conditions of a query (view, customer, state) still pick their indexes.
    """
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def agent_team_ids(user: User) -> list[int]:
    """The teams an agent belongs to or manages, in one query (every agent page asks)."""
    members = user.teams.order_by().values_list("pk", flat=True)
    return sorted(set(members.union(user.managed_teams.order_by().values_list("pk", flat=True))))


def tickets_visible_to(
    user: User | AnonymousUser, *, team_ids: Sequence[int] | None = None
) -> QuerySet[Ticket]:
    """``team_ids``: ``agent_team_ids(user)`` when the caller read them already this request."""
    qs = Ticket.objects.all()
    if not _signed_in(user):
        return qs.none()
    if user.is_admin:
        return qs
    if user.is_agent:
        teams = list(team_ids) if team_ids is not None else agent_team_ids(user)
        return qs.filter(_as_one_condition(Q(team_id__in=teams) | Q(assignee=user)))
    # Customers never see a ticket whose sender has not confirmed the address (a contact
    # form filled in with someone's address): not even the person whose address it is.
    qs = qs.filter(sender_unconfirmed=False)
    organisation_id = shared_organisation_id(user)
    if organisation_id is not None:
        # Their organisation's tickets, and always their own (also from before they joined).
        return qs.filter(Q(organisation_id=organisation_id) | Q(customer=user))
    return qs.filter(customer=user)


@dataclass(frozen=True)
class Viewer:
    """The rule of ``tickets_visible_to`` for one person, held in memory.

    A live stream checks every event it might pass on against this instead of asking the
    database once per event and stream (``loket.live``); it must say exactly what
    ``tickets_visible_to`` says (tests/live/test_viewer.py compares the two on every kind
    of person and ticket).
    """

    user_id: int | None
    active: bool = False
    is_admin: bool = False
    is_agent: bool = False
    team_ids: frozenset[int] = frozenset()
    organisation_id: int | None = None

    def sees(
        self,
        *,
        team_id: int | None,
        assignee_id: int | None,
        organisation_id: int | None,
        customer_id: int | None,
    ) -> bool:
        if not self.active or self.user_id is None:
            return False
        if self.is_admin:
            return True
        if self.is_agent:
            return team_id in self.team_ids or assignee_id == self.user_id
        if self.organisation_id is not None and organisation_id == self.organisation_id:
            return True
        return customer_id == self.user_id


def viewer_for(user: User | AnonymousUser) -> Viewer:
    """What ``user`` may see, read once (one small query for an agent)."""
    if not _signed_in(user):
        return Viewer(user_id=None)
    teams: frozenset[int] = frozenset()
    if user.is_agent and not user.is_admin:
        teams = frozenset(agent_team_ids(user))
    return Viewer(
        user_id=user.pk,
        active=True,
        is_admin=user.is_admin,
        is_agent=user.is_agent,
        team_ids=teams,
        organisation_id=user.organisation_id,
    )


def get_ticket_for(user: User | AnonymousUser, pk: int | str, *, write: bool = False) -> Ticket:
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
    if write and not _is_agent(user) and ticket.merged_into_id is not None:
        raise Http404
    return ticket


def worked_on(user: User | AnonymousUser, ticket_id: int) -> bool:
    """Whether ``ticket_id`` is in the agent's own history (they changed it or wrote on it),
    and the desk lets agents keep reading those (``AGENT_HISTORY_ACCESS``)."""
    if not _is_agent(user) or not getattr(settings, "AGENT_HISTORY_ACCESS", True):
        return False
    if Event.objects.filter(ticket_id=ticket_id, actor_id=user.pk).exists():
        return True
    return Message.objects.filter(ticket_id=ticket_id, author_id=user.pk).exists()


def get_ticket_for_reading(user: User | AnonymousUser, pk: int | str) -> tuple[Ticket, bool]:
    """The ticket if ``user`` may read it, and whether only as their own history (read-only:
    the ticket is no longer theirs to see or change); otherwise 404."""
    key = _key(pk)
    ticket = tickets_visible_to(user).filter(pk=key).first()
    if ticket is not None:
        return ticket, False
    if worked_on(user, key):
        found = Ticket.objects.filter(pk=key).first()
        if found is not None:
            return found, True
    raise Http404


def _readable(user: User | AnonymousUser, ticket_id: int) -> bool:
    return tickets_visible_to(user).filter(pk=ticket_id).exists() or worked_on(user, ticket_id)


def messages_visible_to(user: User | AnonymousUser, ticket: Ticket) -> QuerySet[Message]:
    """The messages of ``ticket`` that ``user`` may read: none if the ticket is not theirs to
    see or in their own history (a second check, should a caller have fetched the ticket some
    other way), and never internal notes, nor replies still inside their undo window
    (``loket.tickets.actions.undo``), for customers."""
    qs = ticket.messages.all()
    if not _readable(user, ticket.pk):
        return qs.none()
    if not _is_agent(user):
        qs = qs.exclude(kind=MessageKind.NOTE).filter(held_until__isnull=True)
    return qs


def get_message_for(user: User | AnonymousUser, pk: int | str, *, write: bool = False) -> Message:
    """One message by id; with ``write`` (changing a message, e.g. marking it as needing no
    reply) only for agents who can see its ticket."""
    key = _key(pk)
    message = Message.objects.select_related("ticket").filter(pk=key).first()
    if message is None or (write and not _is_agent(user)):
        raise Http404
    if write and not tickets_visible_to(user).filter(pk=message.ticket_id).exists():
        raise Http404  # the agent's own history is for reading only
    if not messages_visible_to(user, message.ticket).filter(pk=message.pk).exists():
        raise Http404
    return message


def _key(pk: int | str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def get_attachment_for(
    user: User | AnonymousUser, pk: int | str, *, write: bool = False
) -> Attachment:
    """An attachment by id; with ``write`` (removing it) only for agents."""
    key = _key(pk)
    if write and not _is_agent(user):
        raise Http404
    attachment = Attachment.objects.select_related("message__ticket").filter(pk=key).first()
    if attachment is None:
        raise Http404
    ticket = attachment.message.ticket
    visible = tickets_visible_to(user).filter(pk=ticket.pk).exists()
    if not visible and (write or not worked_on(user, ticket.pk)):
        raise Http404  # the agent's own history is for reading only
    if attachment.message.kind == MessageKind.NOTE and not _is_agent(user):
        raise Http404
    return attachment
