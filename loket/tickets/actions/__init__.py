"""Every change to a ticket goes through here.

Each action checks who may do it, locks the ticket row, changes only what it is about (so two
people changing different things at once both keep their change), writes a typed event, and
enqueues side effects in the same transaction (an outbox: both commit or neither). The work
that needs no database (sanitising, attachments) is done before the transaction opens.

Split by job: ``core`` (shared), ``content`` (a message's content prepared ahead),
``messages`` (tickets and their messages), ``changes`` (state, people, teams, tags,
merging), ``sorting`` (spam, splitting).
``from loket.tickets.actions import X`` finds all of them here.
"""

from loket.tickets.actions.changes import (
    assign,
    change_state,
    customer_solved,
    escalate,
    join_mail_thread,
    link,
    merge,
    move_to_team,
    set_customer,
    set_priority,
    set_subject,
    set_tags,
)
from loket.tickets.actions.content import Prepared, prepare, prepare_body
from loket.tickets.actions.core import ActionError, NewAttachment, default_team
from loket.tickets.actions.messages import (
    add_customer_message,
    add_note,
    add_system_note,
    confirm_sender,
    create_ticket,
    create_ticket_with_message,
    log_call,
    mark_no_reply_needed,
    reply,
    system_reply,
)
from loket.tickets.actions.retention import closed_before, purge_closed
from loket.tickets.actions.sorting import mark_spam, not_spam, sender_blocked, split_message
from loket.tickets.actions.undo import release, undo_reply, undo_seconds

__all__ = [
    "ActionError",
    "NewAttachment",
    "Prepared",
    "add_customer_message",
    "add_note",
    "add_system_note",
    "assign",
    "change_state",
    "closed_before",
    "confirm_sender",
    "create_ticket",
    "create_ticket_with_message",
    "customer_solved",
    "default_team",
    "escalate",
    "join_mail_thread",
    "link",
    "log_call",
    "mark_no_reply_needed",
    "mark_spam",
    "merge",
    "move_to_team",
    "not_spam",
    "prepare",
    "prepare_body",
    "purge_closed",
    "release",
    "reply",
    "sender_blocked",
    "set_customer",
    "set_priority",
    "set_subject",
    "set_tags",
    "split_message",
    "system_reply",
    "undo_reply",
    "undo_seconds",
]
