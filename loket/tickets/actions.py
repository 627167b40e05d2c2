"""Every change to a ticket goes through here.

Each action checks who may do it, locks the ticket row, changes only what it is about (so two
people changing different things at once both keep their change), writes a typed event, and
enqueues side effects in the same transaction (an outbox: both commit or neither).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Team, Tier, User
from loket.lib import bulk, memo
from loket.lib.files import check_size, display_name, sniff_type
from loket.lib.html import html_to_text, sanitise_html
from loket.tickets import eventlog, locks, states
from loket.tickets.models import (
    Attachment,
    Channel,
    Event,
    EventKind,
    Message,
    MessageKind,
    Priority,
    State,
    Tag,
    Ticket,
    TicketLink,
)

P = ParamSpec("P")
R = TypeVar("R")


class ActionError(ValueError):
    """A request that cannot be carried out, with a reason to show the person."""


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    data: bytes


def _atomic(action: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for an action. Inside a bulk import (``eventlog.deferring()``)
    each mail is one unit of work that a failure rolls back whole (``loket.mail.ingest``);
    the actions it calls join it instead of opening a savepoint each."""

    @functools.wraps(action)
    def atomic_action(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not eventlog.deferring()):
            return action(*args, **kwargs)

    return atomic_action


def _require_agent(by: User | None) -> User:
    if by is None or not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    return by


def _lock(ticket: Ticket) -> Ticket:
    return locks.lock(ticket.pk)


def _event(
    ticket: Ticket,
    by: User | None,
    kind: EventKind,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    message: Message | None = None,
) -> Event:
    return eventlog.record(
        Event(
            ticket=ticket, actor=by, kind=kind, before=before, after=after, reason=reason,
            message=message,
        )
    )  # fmt: skip


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.version += 1
    ticket.updated_at = timezone.now()
    bulk.save_fields(ticket, *fields, "version", "updated_at")


def default_team(tier: int) -> Team:
    team = memo.remember(
        ("tickets.default_team", tier),
        lambda: (
            Team.objects.filter(tier=tier).order_by("-is_default_for_tier", "pk").first()
            or Team.objects.filter(tier__gte=tier).order_by("tier", "pk").first()
        ),
    )
    if team is None:
        raise ActionError(_("No team is set up for this tier."))
    return team


def _store_attachments(message: Message, attachments: Sequence[NewAttachment]) -> None:
    # Every size is checked before the first file is written: a refused upload leaves no file
    # behind (the rows roll back with the transaction, files on disk would not).
    for item in attachments:
        check_size(len(item.data))
    for item in attachments:
        attachment = Attachment(
            message=message,
            filename=display_name(item.filename),
            content_type=sniff_type(item.data[:16]),
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
        )
        attachment.file.save("upload", ContentFile(item.data), save=False)
        attachment.save()


def _customer_message(
    ticket: Ticket, by: User | None, message: Message, attachments: Sequence[NewAttachment]
) -> Message:
    """Writes a customer-side message on ``ticket``, its attachments and its event."""
    message.ticket = ticket
    message.kind = MessageKind.CUSTOMER
    bulk.create(message)
    _store_attachments(message, attachments)
    _event(ticket, by, EventKind.MESSAGE, after={"kind": MessageKind.CUSTOMER}, message=message)
    return message


def _refresh_awaiting(ticket: Ticket) -> None:
    oldest = ticket.messages.filter(needs_reply=True).aggregate(m=Min("created_at"))["m"]
    if oldest != ticket.awaiting_reply_since:
        ticket.awaiting_reply_since = oldest
        ticket.save(update_fields=["awaiting_reply_since"])


def _body_fields(body: str, body_html: str) -> tuple[str, str]:
    clean_html = sanitise_html(body_html) if body_html else ""
    text = body.strip() or (html_to_text(clean_html) if clean_html else "")
    if not text:
        raise ActionError(_("The message is empty."))
    return text, clean_html


def _refuse_if_closed(ticket: Ticket) -> None:
    """Closed is final: a closed ticket is only read (and linked to its follow-ups)."""
    if ticket.state == State.CLOSED:
        raise ActionError(_("This ticket is closed; open a follow-up ticket instead."))


def _set_state(ticket: Ticket, target: State, by: User | None, reason: str = "") -> None:
    before = ticket.state
    if before == target:
        return
    try:
        states.check_transition(before, target)
    except states.TransitionError as exc:
        raise ActionError(str(exc)) from exc
    if target == State.CLOSED and ticket.messages.filter(needs_reply=True).exists():
        # A closed ticket can no longer be answered, so closing it would ignore the message.
        raise ActionError(
            _(
                "A customer message still waits for an answer: reply or mark it as needing no "
                "reply before closing."
            )
        )
    ticket.state = target
    fields = ["state"]
    if target == State.RESOLVED:
        ticket.resolved_at = timezone.now()
        fields.append("resolved_at")
    elif before == State.RESOLVED and target != State.CLOSED:
        # Reopened: it is no longer resolved (reports and metrics read this field).
        ticket.resolved_at = None
        fields.append("resolved_at")
    _save(ticket, *fields)
    _event(ticket, by, EventKind.STATE, before=before, after=str(target), reason=reason)


def create_ticket(
    *,
    subject: str,
    body: str,
    customer: User | None,
    channel: Channel,
    by: User | None,
    body_html: str = "",
    priority: Priority = Priority.NORMAL,
    team: Team | None = None,
    attachments: Sequence[NewAttachment] = (),
    tags: Iterable[str] = (),
    call_duration_seconds: int | None = None,
    language: str = "",
    mailbox_id: int | None = None,
    sender_unconfirmed: bool = False,
) -> Ticket:
    """Opens a ticket with its first customer message (which then awaits a reply).

    ``by`` is who did it: the customer themself, an agent logging a call or writing on the
    customer's behalf, or ``None`` for the system (mail, monitors). One transaction (that of
    ``create_ticket_with_message``). ``sender_unconfirmed``: nobody has proven the customer's
    address (the public contact form); customers do not see the ticket until
    ``confirm_sender``.
    """
    ticket, _message = create_ticket_with_message(
        subject=subject, body=body, customer=customer, channel=channel, by=by,
        body_html=body_html, priority=priority, team=team, attachments=attachments, tags=tags,
        call_duration_seconds=call_duration_seconds, language=language, mailbox_id=mailbox_id,
        sender_unconfirmed=sender_unconfirmed,
    )  # fmt: skip
    return ticket


@_atomic
def create_ticket_with_message(
    *,
    subject: str,
    body: str,
    customer: User | None,
    channel: Channel,
    by: User | None,
    body_html: str = "",
    priority: Priority = Priority.NORMAL,
    team: Team | None = None,
    attachments: Sequence[NewAttachment] = (),
    tags: Iterable[str] = (),
    call_duration_seconds: int | None = None,
    language: str = "",
    mailbox_id: int | None = None,
    sender_unconfirmed: bool = False,
    unverified_sender: bool = False,
) -> tuple[Ticket, Message]:
    """``create_ticket``, also returning the first message (saves reading it back).

    ``mailbox_id``: the desk mailbox a mail arrived in; kept on the creation event (its
    ``after["mailbox"]``, only for mail) so routing rules can match on it.
    ``unverified_sender``: a mail that failed the desk's sender checks (SPF/DKIM/DMARC),
    marked on the message for agents.
    """
    subject = " ".join(subject.split())[:250]
    if not subject:
        raise ActionError(_("A subject is required."))
    text, clean_html = _body_fields(body, body_html)
    if by is not None and not by.is_agent and (customer is None or customer.pk != by.pk):
        raise PermissionDenied(_("Customers open tickets only for themselves."))
    now = timezone.now()
    ticket = bulk.create(
        Ticket(
            subject=subject,
            customer=customer,
            organisation=customer.organisation if customer is not None else None,
            channel=channel,
            priority=priority,
            tier=(team.tier if team else Tier.FIRST_LINE),
            team=team or default_team(Tier.FIRST_LINE),
            language=language or (customer.language if customer else ""),
            created_at=now,
            updated_at=now,
            awaiting_reply_since=now if customer is not None else None,
            sender_unconfirmed=sender_unconfirmed,
        )
    )
    locks.hold(ticket)
    created: dict[str, Any] = {"channel": channel, "subject": subject}
    if mailbox_id is not None:
        created["mailbox"] = mailbox_id
    _event(ticket, by, EventKind.CREATED, after=created)
    message = _customer_message(
        ticket, by, Message(
            author=customer, channel=channel, body=text, body_html=clean_html, created_at=now,
            needs_reply=customer is not None, call_duration_seconds=call_duration_seconds,
            unverified_sender=unverified_sender,
        ), attachments,
    )  # fmt: skip
    if tags:
        _apply_tags(ticket, tags, by)
    return ticket, message


@_atomic
def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    author: User | None,
    channel: Channel,
    by: User | None,
    body_html: str = "",
    attachments: Sequence[NewAttachment] = (),
    call_duration_seconds: int | None = None,
    unverified_sender: bool = False,
) -> Message:
    """A message from the customer side. It reopens a waiting or resolved ticket; on a closed
    ticket it opens a follow-up ticket linked to the old one (closed tickets stay closed).
    ``unverified_sender``: as for ``create_ticket_with_message``."""
    ticket = _lock(ticket)
    if by is not None and not by.is_agent and (author is None or author.pk != by.pk):
        raise PermissionDenied(_("Customers write only as themselves."))
    while ticket.merged_into_id is not None:  # merged tickets can be merged again
        ticket = locks.lock(ticket.merged_into_id)
    if ticket.state == State.CLOSED:
        follow_up, first = create_ticket_with_message(
            subject=ticket.subject,
            body=body,
            body_html=body_html,
            customer=author or ticket.customer,
            channel=channel,
            by=by,
            priority=Priority(ticket.priority),
            team=ticket.team,
            attachments=attachments,
            call_duration_seconds=call_duration_seconds,
            unverified_sender=unverified_sender,
        )
        _link(follow_up, ticket, by)
        return first
    text, clean_html = _body_fields(body, body_html)
    message = _customer_message(
        ticket, by, Message(
            author=author, channel=channel, body=text, body_html=clean_html, needs_reply=True,
            call_duration_seconds=call_duration_seconds, unverified_sender=unverified_sender,
        ), attachments,
    )  # fmt: skip
    waiting: list[str] = []
    if ticket.awaiting_reply_since is None:  # else an older message still waits: it stays
        ticket.awaiting_reply_since = message.created_at
        waiting.append("awaiting_reply_since")
    if ticket.state in (State.WAITING_CUSTOMER, State.RESOLVED):
        if waiting:
            ticket.save(update_fields=waiting)
        _set_state(ticket, State.OPEN, by)
    else:
        _save(ticket, *waiting)
    return message


@_atomic
def reply(
    ticket: Ticket,
    *,
    body: str,
    by: User,
    body_html: str = "",
    attachments: Sequence[NewAttachment] = (),
    then_state: State | None = None,
    channel: Channel | None = None,
    cc: Sequence[str] | None = None,
) -> Message:
    """A public reply by an agent. It answers every customer message still waiting.

    ``cc``: the addresses the mail goes to in Cc, exactly (checked by
    ``loket.mail.addresses.clean_cc``; empty: no Cc); ``None`` leaves it to the sending,
    which copies the others on the customer's latest mail (``loket.mail.send.cc_for``)."""
    _require_agent(by)
    ticket = _lock(ticket)
    if ticket.state == State.CLOSED:
        raise ActionError(_("This ticket is closed; open a follow-up ticket instead."))
    text, clean_html = _body_fields(body, body_html)
    chosen_cc: list[str] | None = None
    if cc is not None:
        from loket.mail.addresses import InvalidCc, clean_cc

        customer = ticket.customer
        if customer is None and cc:
            raise InvalidCc(_("This ticket has no customer to mail, so nobody can be in Cc."))
        chosen_cc = clean_cc(cc, customer_address=customer.email if customer else "")
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=by,
        channel=channel or Channel(ticket.channel),
        body=text,
        body_html=clean_html,
        cc=chosen_cc,
    )
    _store_attachments(message, attachments)
    ticket.messages.filter(needs_reply=True).update(needs_reply=False, answered_by=message)
    after: dict[str, Any] = {"kind": MessageKind.REPLY}
    if chosen_cc is not None:
        after["cc"] = chosen_cc
    _event(ticket, by, EventKind.MESSAGE, after=after, message=message)
    target = then_state or (State.OPEN if ticket.state == State.NEW else None)
    if target is not None and target != ticket.state:
        _set_state(ticket, target, by)
    else:
        _save(ticket)
    if ticket.assignee_id is None:
        ticket.assignee = by
        ticket.save(update_fields=["assignee"])
        _event(ticket, by, EventKind.ASSIGNEE, before=None, after=by.pk)
    _refresh_awaiting(ticket)
    if ticket.customer_id is not None:
        from loket.tickets.tasks import notify_customer_of_reply

        notify_customer_of_reply.enqueue(message.pk)
    return message


@_atomic
def confirm_sender(ticket: Ticket) -> bool:
    """The customer proved their address (clicked the link mailed to it, or verified it on
    their account): the ticket shows in their portal and their organisation's from now on.
    ``False`` if it was confirmed already."""
    ticket = _lock(ticket)
    if not ticket.sender_unconfirmed:
        return False
    ticket.sender_unconfirmed = False
    _save(ticket, "sender_unconfirmed")
    _event(ticket, ticket.customer, EventKind.SENDER_CONFIRMED)
    return True


@_atomic
def add_note(
    ticket: Ticket, *, body: str, by: User, attachments: Sequence[NewAttachment] = ()
) -> Message:
    """An internal note: agents only, never shown or sent to the customer."""
    _require_agent(by)
    ticket = _lock(ticket)
    _refuse_if_closed(ticket)
    text, _html = _body_fields(body, "")
    message = Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=by, channel=ticket.channel, body=text
    )
    _store_attachments(message, attachments)
    _event(ticket, by, EventKind.MESSAGE, after={"kind": MessageKind.NOTE}, message=message)
    _save(ticket)
    return message


@_atomic
def add_system_note(ticket: Ticket, *, body: str, then_state: State | None = None) -> Message:
    """An internal note by Loket itself (a monitor, a sweep), optionally with a state change;
    the note and the events have no author. There is no person to check, so only background
    code calls this, never a view or an API route."""
    ticket = _lock(ticket)
    _refuse_if_closed(ticket)
    text, _html = _body_fields(body, "")
    message = Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=None, channel=ticket.channel, body=text
    )
    _event(ticket, None, EventKind.MESSAGE, after={"kind": MessageKind.NOTE}, message=message)
    if then_state is not None and then_state != ticket.state:
        _set_state(ticket, then_state, None)
    else:
        _save(ticket)
    return message


@_atomic
def mark_no_reply_needed(ticket: Ticket, *, by: User, reason: str) -> int:
    """A person decides that the waiting customer messages need no answer, and says why."""
    _require_agent(by)
    reason = reason.strip()
    if not reason:
        raise ActionError(_("Say why no reply is needed."))
    ticket = _lock(ticket)
    waiting = list(ticket.messages.filter(needs_reply=True).values_list("pk", flat=True))
    if not waiting:
        return 0
    ticket.messages.filter(pk__in=waiting).update(
        needs_reply=False, no_reply_by=by, no_reply_reason=reason[:300]
    )
    _event(ticket, by, EventKind.NO_REPLY_NEEDED, after=waiting, reason=reason)
    _save(ticket)
    _refresh_awaiting(ticket)
    return len(waiting)


@_atomic
def change_state(ticket: Ticket, target: State, *, by: User, reason: str = "") -> Ticket:
    _require_agent(by)
    try:
        goal = State(target)
    except ValueError:
        raise ActionError(_("Unknown state: %(state)s") % {"state": target}) from None
    ticket = _lock(ticket)
    _set_state(ticket, goal, by, reason)
    return ticket


@_atomic
def set_priority(ticket: Ticket, priority: Priority, *, by: User) -> Ticket:
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
        _event(ticket, by, EventKind.PRIORITY, before=before, after=int(priority))
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
    ticket: Ticket, to_tier: Tier, *, by: User, reason: str, team: Team | None = None
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
        after={"tier": int(to_tier), "team": target_team.pk, "assignee": ticket.assignee_id},
        reason=reason,
    )
    return ticket


def _apply_tags(ticket: Ticket, names: Iterable[str], by: User | None) -> None:
    wanted = sorted({n.strip().lower()[:50] for n in names if n.strip()})
    before = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == before:
        return
    _refuse_if_closed(ticket)
    tags = [Tag.objects.get_or_create(name=n)[0] for n in wanted]
    ticket.tags.set(tags)
    _event(ticket, by, EventKind.TAGS, before=before, after=wanted)


@_atomic
def set_tags(ticket: Ticket, names: Iterable[str], *, by: User) -> Ticket:
    _require_agent(by)
    ticket = _lock(ticket)
    _apply_tags(ticket, names, by)
    _save(ticket)
    return ticket


def _link(source: Ticket, target: Ticket, by: User | None) -> None:
    if source.pk == target.pk:
        raise ActionError(_("A ticket cannot be linked to itself."))
    a, b = sorted([source, target], key=lambda t: t.pk)
    _row, created = TicketLink.objects.get_or_create(
        source=a, target=b, defaults={"created_by": by}
    )
    if created:
        _event(source, by, EventKind.LINKED, after=target.pk)
        _event(target, by, EventKind.LINKED, after=source.pk)


@_atomic
def link(source: Ticket, target: Ticket, *, by: User) -> None:
    _require_agent(by)
    _link(source, target, by)


@_atomic
def merge(source: Ticket, into: Ticket, *, by: User) -> Ticket:
    """Moves every message of ``source`` into ``into`` and closes ``source`` as merged."""
    _require_agent(by)
    if source.pk == into.pk:
        raise ActionError(_("A ticket cannot be merged into itself."))
    locked = locks.lock_many([source.pk, into.pk])
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id is not None:
        raise ActionError(_("This ticket was already merged."))
    if into.merged_into_id is not None or into.state == State.CLOSED:
        raise ActionError(_("Merge into an open ticket."))
    _refuse_if_closed(source)
    same_requester = source.organisation_id == into.organisation_id and (
        source.organisation_id is not None or source.customer_id == into.customer_id
    )
    if not same_requester:
        # The merged messages would become readable by the other ticket's customers.
        raise ActionError(
            _("Only tickets of the same organisation (or the same customer) can be merged.")
        )
    moved = source.messages.update(ticket=into)
    source.merged_into = into
    source.state = State.CLOSED
    _save(source, "merged_into", "state")
    _event(source, by, EventKind.MERGED_INTO, before=None, after=into.pk)
    _event(into, by, EventKind.MERGED, after={"ticket": source.pk, "messages": moved})
    if (
        into.state in (State.RESOLVED, State.WAITING_CUSTOMER)
        and into.messages.filter(needs_reply=True).exists()
    ):
        _set_state(into, State.OPEN, by)
    else:
        _save(into)
    _refresh_awaiting(source)
    _refresh_awaiting(into)
    return into


@_atomic
def log_call(
    *,
    customer: User,
    by: User,
    summary: str,
    duration_seconds: int,
    ticket: Ticket | None = None,
    subject: str = "",
) -> Message:
    """Logs a phone call: a new ticket, or a message on an existing one, with its duration."""
    _require_agent(by)
    if duration_seconds < 0:
        raise ActionError(_("A call cannot last less than nothing."))
    if ticket is None:
        created = create_ticket(
            subject=subject or _("Phone call"),
            body=summary,
            customer=customer,
            channel=Channel.PHONE,
            by=by,
            call_duration_seconds=duration_seconds,
        )
        return created.messages.get()
    return add_customer_message(
        ticket,
        body=summary,
        author=customer,
        channel=Channel.PHONE,
        by=by,
        call_duration_seconds=duration_seconds,
    )
