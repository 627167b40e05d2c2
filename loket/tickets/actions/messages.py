"""Messages on tickets: a new ticket with its first message, customer messages, agents'
replies and notes, phone calls, and confirming a contact-form sender.

The content of a message (HTML sanitised, text, attachments written) is prepared before the
transaction opens (``loket.tickets.actions.content``); only the rows are written inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Team, Tier, User
from loket.lib import bulk
from loket.tickets import locks
from loket.tickets.actions.content import Prepared, prepare, prepare_body, store, with_prepared
from loket.tickets.actions.core import (
    ActionError,
    NewAttachment,
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
from loket.tickets.delivery import reply_refused, transport_for
from loket.tickets.models import Channel, EventKind, Message, MessageKind, Priority, State, Ticket


def _customer_message(
    ticket: Ticket, by: User | None, message: Message, prepared: Prepared
) -> Message:
    """Writes a customer-side message on ``ticket``, its attachments and its event."""
    message.ticket = ticket
    message.kind = MessageKind.CUSTOMER
    message.body = prepared.text
    message.body_html = prepared.html
    bulk.create(message)
    store(message, prepared)
    _event(ticket, by, EventKind.MESSAGE, after={"kind": MessageKind.CUSTOMER}, message=message)
    return message


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
    if by is not None and not by.is_agent and (customer is None or customer.pk != by.pk):
        raise PermissionDenied(_("Customers open tickets only for themselves."))
    prepared = prepare(body, body_html, attachments, subject)
    return with_prepared(prepared, lambda: _create_ticket_with_message(
        subject=prepared.subject or subject, prepared=prepared, customer=customer,
        channel=channel, by=by,
        priority=priority, team=team, tags=tags, call_duration_seconds=call_duration_seconds,
        language=language, mailbox_id=mailbox_id, sender_unconfirmed=sender_unconfirmed,
        unverified_sender=unverified_sender,
    ))  # fmt: skip


@_atomic
def _create_ticket_with_message(
    *,
    subject: str,
    prepared: Prepared,
    customer: User | None,
    channel: Channel,
    by: User | None,
    priority: Priority = Priority.NORMAL,
    team: Team | None = None,
    tags: Iterable[str] = (),
    call_duration_seconds: int | None = None,
    language: str = "",
    mailbox_id: int | None = None,
    sender_unconfirmed: bool = False,
    unverified_sender: bool = False,
) -> tuple[Ticket, Message]:
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
            author=customer, channel=channel, created_at=now, needs_reply=customer is not None,
            call_duration_seconds=call_duration_seconds, unverified_sender=unverified_sender,
        ), prepared,
    )  # fmt: skip
    if tags:
        _apply_tags(ticket, tags, by)
    return ticket, message


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
    if by is not None and not by.is_agent and (author is None or author.pk != by.pk):
        raise PermissionDenied(_("Customers write only as themselves."))
    prepared = prepare(body, body_html, attachments)
    return with_prepared(prepared, lambda: _add_customer_message(
        ticket, prepared=prepared, author=author, channel=channel, by=by,
        call_duration_seconds=call_duration_seconds, unverified_sender=unverified_sender,
    ))  # fmt: skip


@_atomic
def _add_customer_message(
    ticket: Ticket,
    *,
    prepared: Prepared,
    author: User | None,
    channel: Channel,
    by: User | None,
    call_duration_seconds: int | None,
    unverified_sender: bool,
) -> Message:
    ticket = _lock(ticket)
    while ticket.merged_into_id is not None:  # merged tickets can be merged again
        ticket = locks.lock(ticket.merged_into_id)
    if ticket.state == State.CLOSED:
        follow_up, first = _create_ticket_with_message(
            subject=ticket.subject,
            prepared=prepared,
            customer=author or ticket.customer,
            channel=channel,
            by=by,
            priority=Priority(ticket.priority),
            team=ticket.team,
            call_duration_seconds=call_duration_seconds,
            unverified_sender=unverified_sender,
        )
        _link(follow_up, ticket, by)
        return first
    message = _customer_message(
        ticket, by, Message(
            author=author, channel=channel, needs_reply=True,
            call_duration_seconds=call_duration_seconds, unverified_sender=unverified_sender,
        ), prepared,
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
    hold: int = 0,
    source: str = "",
) -> Message:
    """A public reply by an agent. It answers every customer message still waiting.

    ``hold``: seconds it waits before it goes out, during which its author may undo it
    (``loket.tickets.actions.undo``); ``source``: the text they typed, for that Undo.

    ``cc``: the addresses the mail goes to in Cc, exactly (checked by
    ``loket.mail.addresses.clean_cc``; empty: no Cc); ``None`` leaves it to the sending,
    which copies the others on the customer's latest mail (``loket.mail.send.cc_for``)."""
    _require_agent(by)
    prepared = prepare(body, body_html, attachments)
    return with_prepared(prepared, lambda: _reply(
        ticket, prepared=prepared, by=by, then_state=then_state, channel=channel, cc=cc,
        hold=hold, source=source,
    ))  # fmt: skip


@_atomic
def _reply(
    ticket: Ticket,
    *,
    prepared: Prepared,
    by: User | None,
    then_state: State | None,
    channel: Channel | None,
    cc: Sequence[str] | None,
    mail: bool = True,
    hold: int = 0,
    source: str = "",
) -> Message:
    """``hold``: seconds the reply waits for Undo before it goes out (0: at once);
    ``source``: what the agent typed, given back to their editor on Undo."""
    ticket = _lock(ticket)
    if ticket.state == State.CLOSED:
        raise ActionError(_("This ticket is closed; open a follow-up ticket instead."))
    refused = reply_refused(ticket) if mail else None
    if refused:
        raise ActionError(refused)
    chosen_cc: list[str] | None = None
    if cc is not None:
        from loket.mail.addresses import InvalidCc, clean_cc

        customer = ticket.customer
        if customer is None and cc:
            raise InvalidCc(_("This ticket has no customer to mail, so nobody can be in Cc."))
        chosen_cc = clean_cc(cc, customer_address=customer.email if customer else "")
    held_until = timezone.now() + timedelta(seconds=hold) if hold > 0 and mail else None
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=by,
        channel=channel or Channel(ticket.channel),
        body=prepared.text,
        body_html=prepared.html,
        cc=chosen_cc,
        held_until=held_until,
        held_source=source if held_until is not None else None,
    )
    store(message, prepared)
    if held_until is not None:  # stored now; answered, counted and carried on release
        from loket.tickets.actions.undo import hold_for_undo

        hold_for_undo(ticket, message, by=by, then_state=then_state)
        return message
    answer(ticket, message, by=by, then_state=then_state, carry=mail)
    return message


def answer(
    ticket: Ticket,
    message: Message,
    *,
    by: User | None,
    then_state: State | None,
    carry: bool = True,
) -> None:
    """What a public reply does once it goes out: it answers the waiting customer messages,
    is recorded (the MESSAGE event the SLA clocks and reports count), moves the state, takes
    an unassigned ticket and is carried to the customer (the channel's transport or mail)."""
    ticket.messages.filter(needs_reply=True).update(needs_reply=False, answered_by=message)
    after: dict[str, Any] = {"kind": MessageKind.REPLY}
    if message.cc is not None:
        after["cc"] = message.cc
    _event(ticket, by, EventKind.MESSAGE, after=after, message=message)
    target = then_state or (State.OPEN if ticket.state == State.NEW else None)
    if target is not None and target != ticket.state:
        _set_state(ticket, target, by)
    else:
        _save(ticket)
    if ticket.assignee_id is None and by is not None:
        ticket.assignee = by
        ticket.save(update_fields=["assignee"])
        _event(ticket, by, EventKind.ASSIGNEE, before=None, after=by.pk)
    _refresh_awaiting(ticket)
    if carry:
        deliver(ticket, message)


def deliver(ticket: Ticket, message: Message) -> None:
    """Enqueues the carrying of a public reply (inside its transaction: an outbox)."""
    transport = transport_for(message.channel)
    if transport is not None:  # the channel's own way to the customer, instead of mail
        transport(message)
    elif ticket.customer_id is not None:
        from loket.tickets.delivery import mail_delay
        from loket.tickets.tasks import notify_customer_of_reply

        delay = mail_delay(ticket.channel)
        if delay is None:
            notify_customer_of_reply.enqueue(message.pk)
        else:  # a live channel may show it first; the mail goes only if it did not
            later = notify_customer_of_reply.using(run_after=timezone.now() + delay)
            later.enqueue(message.pk)


def system_reply(ticket: Ticket, *, body: str, then_state: State | None = None) -> Message:
    """A public reply by Loket itself (an automation rule's template reply): no author, signed
    with the desk's name, mailed like any reply. Only background code calls this, never a
    view or an API route."""
    prepared = prepare(body, "", ())
    return with_prepared(prepared, lambda: _reply(
        ticket, prepared=prepared, by=None, then_state=then_state, channel=None, cc=None
    ))  # fmt: skip


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


def add_note(
    ticket: Ticket, *, body: str, by: User, attachments: Sequence[NewAttachment] = ()
) -> Message:
    """An internal note: agents only, never shown or sent to the customer."""
    _require_agent(by)
    prepared = prepare(body, "", attachments)
    return with_prepared(prepared, lambda: _add_note(ticket, prepared=prepared, by=by))


@_atomic
def _add_note(ticket: Ticket, *, prepared: Prepared, by: User) -> Message:
    ticket = _lock(ticket)
    _refuse_if_closed(ticket)
    message = Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=by, channel=ticket.channel,
        body=prepared.text,
    )  # fmt: skip
    store(message, prepared)
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
    text, _html = prepare_body(body)
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
def log_call(
    *,
    customer: User,
    by: User,
    summary: str,
    duration_seconds: int,
    ticket: Ticket | None = None,
    subject: str = "",
    answered: bool = False,
) -> Message:
    """Logs a phone call: a new ticket, or a message on an existing one, with its duration.

    ``answered``: the agent answered the caller during the call, so the ticket does not wait
    for a reply: the call's answer is recorded as a reply by phone (counted as the first
    reply, never mailed)."""
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
        message = created.messages.get()
    else:
        message = add_customer_message(
            ticket,
            body=summary,
            author=customer,
            channel=Channel.PHONE,
            by=by,
            call_duration_seconds=duration_seconds,
        )
    if answered:
        _reply(
            message.ticket,
            prepared=prepare(_("Answered during the phone call."), "", ()),
            by=by,
            then_state=None,
            channel=Channel.PHONE,
            cc=None,
            mail=False,
        )
    return message
