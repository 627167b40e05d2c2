"""Messages from messengers into tickets, each update exactly once.

The caller downloads the files first (no network inside a transaction). Then one transaction
inserts the update's ``Inbound`` row, whose unique key (messenger, bot or number, update id)
makes a redelivered update a no-op even when both copies arrive at once (the second insert
fails and rolls back its own savepoint), and writes the message on the chat's ticket: a new
ticket for a new chat, a follow-up for a closed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.messengers import acks
from loket.messengers.contacts import contact_for
from loket.messengers.models import (
    Contact,
    Conversation,
    Inbound,
    Kind,
    TelegramBot,
    WhatsAppNumber,
)
from loket.tickets import actions as ticket_actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Channel, Message


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str
    handle: str
    language: str = ""


Account = TelegramBot | WhatsAppNumber


def _kind(account: Account) -> Kind:
    return Kind.TELEGRAM if isinstance(account, TelegramBot) else Kind.WHATSAPP


def already_taken(account: Account, external_id: str) -> bool:
    """A cheap look before downloading files again; ``receive`` alone decides."""
    return Inbound.objects.filter(
        kind=_kind(account), account_id=account.pk, external_id=external_id
    ).exists()


def _subject(kind: Kind, person: Person, text: str) -> str:
    line = " ".join(text.split())
    start = line[:70] + ("…" if len(line) > 70 else "")
    who = person.name or person.handle or person.external_id
    if start:
        return _("%(messenger)s: %(who)s: %(start)s") % {
            "messenger": kind.label,
            "who": who,
            "start": start,
        }
    return _("%(messenger)s: %(who)s") % {"messenger": kind.label, "who": who}


def receive(
    account: Account,
    *,
    external_id: str,
    chat_id: str,
    person: Person,
    text: str,
    attachments: Sequence[NewAttachment] = (),
) -> Message | None:
    """Stores one incoming message; ``None`` when this update was stored before."""
    kind = _kind(account)
    if not text.strip():
        n = len(attachments)
        text = ngettext("(sent %(n)s file)", "(sent %(n)s files)", n) % {"n": n} if n else "…"
    with transaction.atomic():
        try:
            with transaction.atomic():
                inbound = Inbound.objects.create(
                    kind=kind, account_id=account.pk, external_id=external_id
                )
        except IntegrityError:
            return None
        contact = contact_for(
            kind,
            person.external_id,
            name=person.name,
            handle=person.handle,
            language=person.language,
        )
        # One writer per contact from here: two first messages at once make one ticket.
        contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
        where = {"bot": account} if kind == Kind.TELEGRAM else {"number": account}
        conversation = (
            Conversation.objects.select_related("ticket").filter(chat_id=chat_id, **where).first()
        )
        channel = Channel(kind.value)
        now = timezone.now()
        if conversation is None:
            ticket, message = ticket_actions.create_ticket_with_message(
                subject=_subject(kind, person, text),
                body=text,
                customer=contact.customer,
                channel=channel,
                by=None,
                team=account.team,
                attachments=attachments,
                language=person.language if person.language in ("en", "nl", "ru") else "",
            )
            acks.queue(
                Conversation.objects.create(
                    kind=kind,
                    chat_id=chat_id,
                    contact=contact,
                    ticket=ticket,
                    last_inbound_at=now,
                    **where,
                )
            )
        else:
            message = ticket_actions.add_customer_message(
                conversation.ticket,
                body=text,
                author=contact.customer,
                channel=channel,
                by=None,
                attachments=attachments,
            )
            follow_up = message.ticket_id != conversation.ticket_id  # the old one was closed
            Conversation.objects.filter(pk=conversation.pk).update(
                ticket=message.ticket,
                last_inbound_at=now,
                contact=contact,
                **({"acknowledged_at": None} if follow_up else {}),
            )
            if follow_up:
                conversation.ticket_id = message.ticket_id
                acks.queue(conversation)
        inbound.message = message
        inbound.save(update_fields=["message"])
    return message
