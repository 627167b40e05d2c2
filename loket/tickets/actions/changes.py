"""Changes to a ticket other than messages: state, priority, subject, assignee, team, tier,
tags, links and merging."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from loket.accounts.models import Team, Tier, User
from loket.tickets import locks
from loket.tickets.actions.core import (
    ActionError,
    _apply_tags,
    _atomic,
    _event,
    _link,
    _lock,
    _refresh_awaiting,
    _refuse_if_closed,
    _require_agent,
    _save,
    _set_state,
    default_team,
)
from loket.tickets.models import (
    EscalationReason,
    EventKind,
    Message,
    MessageKind,
    Priority,
    State,
    Ticket,
    TicketLink,
)


@_atomic
def change_state(
    ticket: Ticket, target: State, *, by: User | None, reason: str = "", system: bool = False
) -> Ticket:
    """``system=True``: done by Loket itself (an automation rule), with no person as the actor."""
    if not system:
        _require_agent(by)
    try:
        goal = State(target)
    except ValueError:
        raise ActionError(_("Unknown state: %(state)s") % {"state": target}) from None
    ticket = _lock(ticket)
    _set_state(ticket, goal, by, reason)
    return ticket


@_atomic
def customer_solved(ticket: Ticket, solved: bool, *, by: User) -> Ticket:
    """The customer says in the portal that their problem is solved (the ticket is resolved)
    or, on a resolved ticket, that it is not after all (open again). A closed ticket stays
    closed: the customer's reply to it opens a follow-up."""
    if by.is_agent:
        raise ActionError(_("Agents change the state on the desk's ticket page."))
    ticket = _lock(ticket)
    if solved and ticket.state not in (State.RESOLVED, State.CLOSED):
        _set_state(ticket, State.RESOLVED, by, reason="customer")
    elif not solved and ticket.state == State.RESOLVED:
        _set_state(ticket, State.OPEN, by, reason="customer")
    return ticket


@_atomic
def set_priority(
    ticket: Ticket, priority: Priority, *, by: User | None, reason: str = "", system: bool = False
) -> Ticket:
    """``system=True``: done by Loket itself (triage, a rule), with no person as the actor."""
    if not system:
        _require_agent(by)
    try:
        priority = Priority(priority)
    except ValueError:
        raise ActionError(_("Unknown priority: %(priority)s") % {"priority": priority}) from None
    ticket = _lock(ticket)
    before = ticket.priority
    if before != priority:
        _refuse_if_closed(ticket)
        ticket.priority = priority
        _save(ticket, "priority")
        _event(ticket, by, EventKind.PRIORITY, before=before, after=int(priority), reason=reason)
    return ticket


@_atomic
def set_subject(ticket: Ticket, subject: str, *, by: User) -> Ticket:
    _require_agent(by)
    subject = " ".join(subject.split())[:250]
    if not subject:
        raise ActionError(_("A subject is required."))
    ticket = _lock(ticket)
    before = ticket.subject
    if before != subject:
        _refuse_if_closed(ticket)
        ticket.subject = subject
        _save(ticket, "subject")
        _event(ticket, by, EventKind.SUBJECT, before=before, after=subject)
    return ticket


@_atomic
def assign(
    ticket: Ticket, assignee: User | None, *, by: User | None, system: bool = False
) -> Ticket:
    """``system=True``: done by Loket itself (routing), with no person as the actor."""
    if not system:
        _require_agent(by)
    if assignee is not None and not (assignee.is_agent and assignee.is_active):
        raise ActionError(_("Only active agents can be assigned."))
    ticket = _lock(ticket)
    before = ticket.assignee_id
    after = assignee.pk if assignee is not None else None
    if before != after:
        _refuse_if_closed(ticket)
        ticket.assignee = assignee
        _save(ticket, "assignee")
        _event(ticket, by, EventKind.ASSIGNEE, before=before, after=after)
    return ticket


@_atomic
def move_to_team(
    ticket: Ticket, team: Team, *, by: User | None, reason: str = "", system: bool = False
) -> Ticket:
    """Moves a ticket sideways or down. Moving up a tier is an escalation and needs a reason.

    ``system=True``: Loket places a new ticket (routing); that is not an escalation.
    """
    ticket = _lock(ticket)
    if not system:
        agent = _require_agent(by)
        if team.tier > ticket.tier:
            return escalate(ticket, Tier(team.tier), by=agent, reason=reason, team=team)
    before = {"team": ticket.team_id, "tier": ticket.tier}
    if ticket.team_id != team.pk:
        _refuse_if_closed(ticket)
        ticket.team = team
        ticket.tier = team.tier
        _save(ticket, "team", "tier")
        _event(
            ticket, by, EventKind.TEAM, before=before, after={"team": team.pk, "tier": team.tier},
            reason=reason,
        )  # fmt: skip
    return ticket


@_atomic
def escalate(
    ticket: Ticket,
    to_tier: Tier,
    *,
    by: User,
    reason: str,
    team: Team | None = None,
    reason_kind: EscalationReason = EscalationReason.OTHER,
) -> Ticket:
    """Passes a ticket up to a higher tier. A written reason is required and kept."""
    _require_agent(by)
    reason = reason.strip()
    if not reason:
        raise ActionError(_("An escalation needs a written reason."))
    ticket = _lock(ticket)
    _refuse_if_closed(ticket)
    if to_tier <= ticket.tier:
        raise ActionError(_("An escalation goes to a higher tier than the ticket's."))
    if team is not None and team.tier != to_tier:
        raise ActionError(_("That team does not work at the tier escalated to."))
    target_team = team or default_team(to_tier)
    before = {"tier": ticket.tier, "team": ticket.team_id, "assignee": ticket.assignee_id}
    ticket.tier = to_tier
    ticket.team = target_team
    fields = ["tier", "team"]
    if (
        ticket.assignee_id is not None
        and not target_team.members.filter(pk=ticket.assignee_id).exists()
    ):
        ticket.assignee = None
        fields.append("assignee")
    _save(ticket, *fields)
    _event(
        ticket,
        by,
        EventKind.ESCALATED,
        before=before,
        after={
            "tier": int(to_tier),
            "team": target_team.pk,
            "assignee": ticket.assignee_id,
            "reason_kind": EscalationReason(reason_kind).value,
        },
        reason=reason,
    )
    return ticket


@_atomic
def set_tags(
    ticket: Ticket,
    names: Iterable[str],
    *,
    by: User | None,
    reason: str = "",
    system: bool = False,
) -> Ticket:
    """``system=True``: done by Loket itself (triage, a rule), with no person as the actor."""
    if not system:
        _require_agent(by)
    ticket = _lock(ticket)
    _apply_tags(ticket, names, by, reason)
    _save(ticket)
    return ticket


@_atomic
def link(source: Ticket, target: Ticket, *, by: User) -> None:
    _require_agent(by)
    _link(source, target, by)


@_atomic
def merge(source: Ticket, into: Ticket, *, by: User) -> Ticket:
    """Moves every message of ``source`` into ``into`` and closes ``source`` as merged."""
    _require_agent(by)
    return _merge(source, into, by)


@_atomic
def join_mail_thread(source: Ticket, into: Ticket, *, reason: str) -> str:
    """Two tickets turned out to be one mail thread (a reply arrived before its parent, or
    siblings of a parent that never arrived). Merged, as an agent would, when neither has had
    a public reply yet; otherwise linked, with ``reason`` on the timeline, so an agent
    decides. Returns "merged", "linked" or "" (nothing to do)."""
    if source.pk == into.pk:
        return ""
    locked = locks.lock_many([source.pk, into.pk])
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id is not None or into.merged_into_id is not None:
        return ""
    answered = Message.objects.filter(
        ticket_id__in=[source.pk, into.pk], kind=MessageKind.REPLY
    ).exists()
    closed = State.CLOSED in (source.state, into.state)
    if answered or closed or not _same_requester(source, into):
        if TicketLink.objects.filter(
            source_id=min(source.pk, into.pk), target_id=max(source.pk, into.pk)
        ).exists():
            return ""
        _link(source, into, None, reason=reason)
        return "linked"
    _merge(source, into, None)
    return "merged"


def _same_requester(one: Ticket, other: Ticket) -> bool:
    """Same organisation, or the same customer without one: merging shows no one's messages
    to another customer."""
    return one.organisation_id == other.organisation_id and (
        one.organisation_id is not None or one.customer_id == other.customer_id
    )


def _merge(source: Ticket, into: Ticket, by: User | None) -> Ticket:
    if source.pk == into.pk:
        raise ActionError(_("A ticket cannot be merged into itself."))
    locked = locks.lock_many([source.pk, into.pk])
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id is not None:
        raise ActionError(_("This ticket was already merged."))
    if into.merged_into_id is not None or into.state == State.CLOSED:
        raise ActionError(_("Merge into an open ticket."))
    _refuse_if_closed(source)
    if not _same_requester(source, into):
        # The merged messages would become readable by the other ticket's customers.
        raise ActionError(
            _("Only tickets of the same organisation (or the same customer) can be merged.")
        )
    moved = source.messages.update(ticket=into)
    source.merged_into = into
    source.state = State.CLOSED
    _save(source, "merged_into", "state")
    _event(source, by, EventKind.MERGED_INTO, before=None, after=into.pk)
    # "answered": the customer already had a public reply in the joined conversation, so
    # the surviving ticket's first-reply clock is met, and it is no longer new.
    answered = into.messages.filter(kind=MessageKind.REPLY).exists()
    _event(
        into,
        by,
        EventKind.MERGED,
        after={"ticket": source.pk, "messages": moved, "answered": answered},
    )
    waiting = into.messages.filter(needs_reply=True).exists()
    if (into.state in (State.RESOLVED, State.WAITING_CUSTOMER) and waiting) or (
        into.state == State.NEW and answered
    ):
        _set_state(into, State.OPEN, by)
    else:
        _save(into)
    _refresh_awaiting(source)
    _refresh_awaiting(into)
    return into


@_atomic
def set_customer(ticket: Ticket, customer: User, *, by: User | None) -> Ticket:
    """The ticket is this customer's (an agent confirmed who wrote, e.g. a messenger contact
    linked to a known customer); the ticket follows the customer's organisation. ``by`` is
    ``None`` only for background code acting on an agent's earlier decision."""
    if by is not None:
        _require_agent(by)
    if customer.is_agent:
        raise ActionError(_("A ticket's customer cannot be a member of staff."))
    ticket = _lock(ticket)
    if ticket.customer_id == customer.pk:
        return ticket
    before = ticket.customer_id
    ticket.customer = customer
    ticket.organisation = customer.organisation
    _save(ticket, "customer", "organisation")
    _event(ticket, by, EventKind.CUSTOMER, before=before, after=customer.pk)
    ticket.messages.filter(kind=MessageKind.CUSTOMER, author_id=before).update(author=customer)
    return ticket
