"""Sorting the inbox out: closing a ticket as spam (and blocking its sender if asked) and
splitting a customer message off into a ticket of its own."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.lib import bulk
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
)
from loket.tickets.models import (
    BlockedSender,
    EventKind,
    Message,
    MessageKind,
    State,
    Ticket,
)

SPAM_TAG = "spam"


@_atomic
def mark_spam(ticket: Ticket, *, by: User, block_sender: bool = False) -> Ticket:
    """Closes the ticket as spam: its waiting messages need no reply, it is tagged ``spam``
    (no satisfaction survey) and leaves every inbox view. ``block_sender``: the customer's
    next mails are quarantined instead of becoming tickets (``loket.mail`` reads
    ``BlockedSender``). Marking a spam ticket again changes nothing."""
    agent = _require_agent(by)
    ticket = _lock(ticket)
    if ticket.merged_into_id is not None:
        raise ActionError(_("This ticket was merged into another; mark that one instead."))
    if ticket.is_spam:
        return ticket
    customer = ticket.customer
    if block_sender and (customer is None or customer.is_agent):
        raise ActionError(_("This ticket has no customer to block."))
    ticket.messages.filter(needs_reply=True).update(
        needs_reply=False, no_reply_by=agent, no_reply_reason=_("spam")
    )
    _refresh_awaiting(ticket)
    before = ticket.state
    if before != State.CLOSED:
        _apply_tags(ticket, [*ticket.tags.values_list("name", flat=True), SPAM_TAG], agent)
        # Spam is closed from any state: there is nobody to answer, resolve or reopen it for.
        ticket.state = State.CLOSED
        _event(ticket, agent, EventKind.STATE, before=before, after=State.CLOSED, reason="spam")
    ticket.is_spam = True
    _save(ticket, "is_spam", "state")
    blocked = False
    if block_sender and customer is not None:
        _row, blocked = BlockedSender.objects.get_or_create(
            customer=customer, defaults={"blocked_by": agent, "ticket": ticket}
        )
    _event(ticket, agent, EventKind.SPAM, after={"blocked": block_sender, "newly_blocked": blocked})
    return ticket


@_atomic
def not_spam(ticket: Ticket, *, by: User) -> Ticket:
    """Undoes ``mark_spam`` for a ticket that was real after all: it opens again without the
    ``spam`` tag, back in the inbox views, and its customer is no longer blocked. The messages
    that were set to need no reply stay so (the agent sees them and answers the ticket)."""
    agent = _require_agent(by)
    ticket = _lock(ticket)
    if not ticket.is_spam:
        raise ActionError(_("This ticket is not marked as spam."))
    before = ticket.state
    ticket.state = State.OPEN
    ticket.is_spam = False
    _save(ticket, "is_spam", "state")
    if before != State.OPEN:
        _event(ticket, agent, EventKind.STATE, before=before, after=State.OPEN, reason="not spam")
    names = [n for n in ticket.tags.values_list("name", flat=True) if n != SPAM_TAG]
    _apply_tags(ticket, names, agent)
    unblocked = 0
    if ticket.customer_id is not None:
        unblocked, _kinds = BlockedSender.objects.filter(customer_id=ticket.customer_id).delete()
    _event(ticket, agent, EventKind.NOT_SPAM, after={"unblocked": bool(unblocked)})
    return ticket


def sender_blocked(customer_id: int) -> bool:
    """True when mail from this customer is no longer to become tickets."""
    return BlockedSender.objects.filter(customer_id=customer_id).exists()


@_atomic
def split_message(message: Message, *, by: User, subject: str = "") -> Ticket:
    """Moves one customer message (with its attachments) out of its ticket into a new ticket
    of the same requester, team and priority; both tickets are linked, and each gets an event
    saying where the message went or came from. Returns the new ticket."""
    agent = _require_agent(by)
    ticket = _lock(message.ticket)
    message = Message.objects.select_related("author").get(pk=message.pk)
    if message.ticket_id != ticket.pk:
        raise ActionError(_("This message moved to another ticket meanwhile."))
    _refuse_if_closed(ticket)
    if message.kind != MessageKind.CUSTOMER:
        raise ActionError(_("Only a customer's message can be split into a new ticket."))
    if not ticket.messages.exclude(pk=message.pk).exists():
        raise ActionError(_("This is the ticket's only message: there is nothing to split."))
    subject = " ".join(subject.split())[:250] or ticket.subject
    author = message.author
    customer = author if author is not None and not author.is_agent else ticket.customer
    now = timezone.now()
    new = bulk.create(
        Ticket(
            subject=subject,
            customer=customer,
            organisation=customer.organisation if customer is not None else None,
            channel=message.channel or ticket.channel,
            priority=ticket.priority,
            tier=ticket.tier,
            team_id=ticket.team_id,
            language=ticket.language,
            created_at=now,
            updated_at=now,
            awaiting_reply_since=message.created_at if message.needs_reply else None,
            sender_unconfirmed=ticket.sender_unconfirmed,
        )
    )
    locks.hold(new)
    _event(
        new,
        agent,
        EventKind.CREATED,
        after={"channel": new.channel, "subject": subject, "split_from": ticket.pk},
    )
    Message.objects.filter(pk=message.pk).update(ticket=new)
    message.ticket = new
    _event(ticket, agent, EventKind.SPLIT, after={"into": new.pk, "message": message.pk})
    _event(
        new, agent, EventKind.SPLIT, after={"from": ticket.pk, "message": message.pk},
        message=message,
    )  # fmt: skip
    _link(ticket, new, agent)
    _refresh_awaiting(ticket)
    _save(ticket)
    return new
