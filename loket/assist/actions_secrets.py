"""Revealing and redacting the secrets masked in a message (issue 13 part 5).

``reveal``: a person in one of ``LOKET_SECRETS_REVEAL_ROLES`` reads the original text; the
reading is an event on the ticket (who, when, which message; never the secret).
``redact``: any agent who may change the ticket removes the secrets for good: the stored text
is rewritten without even the last digits of a card, the sealed original is deleted, and the
search index follows the rewritten text (SQLite triggers, PostgreSQL expression indexes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.assist.masking import mask_html
from loket.assist.models_secrets import HiddenSecrets
from loket.assist.secrets import mask
from loket.tickets import eventlog, locks
from loket.tickets.access import get_message_for, get_ticket_for
from loket.tickets.models import Event, EventKind, Message


@dataclass(frozen=True)
class Revealed:
    message: Message
    body: str
    body_html: str
    kinds: list[str]
    subject: str  # the ticket's original subject when it was masked too, else ""


def can_reveal(user: User) -> bool:
    return user.is_active and user.is_agent and user.role in settings.SECRETS_REVEAL_ROLES


def hidden_for(message: Message) -> HiddenSecrets | None:
    return HiddenSecrets.objects.filter(message=message).first()


def _hidden_message(user: User, message_id: int | str, *, write: bool) -> Message:
    """The message through the one access check (404 for what the person may not see),
    only when it has hidden secrets (404 otherwise: nothing to reveal or redact)."""
    if not user.is_agent:
        raise Http404
    message = get_message_for(user, message_id, write=write)
    if write:
        get_ticket_for(user, message.ticket_id, write=True)
    if not HiddenSecrets.objects.filter(message=message).exists():
        raise Http404
    return message


@transaction.atomic
def reveal(user: User, message_id: int | str) -> Revealed:
    message = _hidden_message(user, message_id, write=False)
    if not can_reveal(user):
        raise PermissionDenied(_("Your role may not reveal hidden secrets."))
    hidden = HiddenSecrets.objects.get(message=message)
    eventlog.record(
        Event(
            ticket=message.ticket,
            actor=user,
            kind=EventKind.SECRET_REVEALED,
            after={"kinds": hidden.kinds},
            message=message,
        )
    )
    return Revealed(
        message, str(hidden.body), str(hidden.body_html), list(hidden.kinds), str(hidden.subject)
    )


@transaction.atomic
def redact(user: User, message_id: int | str) -> Message:
    message = _hidden_message(user, message_id, write=True)
    ticket = locks.lock(message.ticket_id)
    hidden = HiddenSecrets.objects.select_for_update().filter(message=message).first()
    if hidden is None:  # redacted meanwhile by someone else
        raise Http404
    message.body = mask(str(hidden.body), keep=False)
    message.body_html = mask_html(str(hidden.body_html), keep=False)[0]
    message.save(update_fields=["body", "body_html"])
    original_subject = str(hidden.subject)
    if original_subject and ticket.subject == mask(original_subject):  # not renamed since
        ticket.subject = mask(original_subject, keep=False)
        ticket.save(update_fields=["subject"])
    kinds = list(hidden.kinds)
    hidden.delete()
    eventlog.record(
        Event(
            ticket=ticket,
            actor=user,
            kind=EventKind.SECRET_REDACTED,
            after={"kinds": kinds},
            message=message,
        )
    )
    return message
