"""Every change in website chat goes through here: channels (managers), sessions and
visitor messages (the visitor API). A conversation is a ticket with channel ``chat``, made
and continued through ``loket.tickets.actions`` like any other."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.accounts.actions import register_customer
from loket.accounts.models import User
from loket.chat import identity
from loket.chat.models import AgentChatSettings, ChatChannel, ChatSession, hash_token, new_secret
from loket.live.publish import publish
from loket.tickets import actions as ticket_actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Channel, Message, MessageKind, State, Ticket

TOKEN_PREFIX = "lkc_"  # noqa: S105 - a prefix, not a secret
SESSION_LIFETIME = timedelta(days=30)
MAX_BODY = 5000
TYPING_EVERY = timedelta(seconds=2)


class ChatError(ValueError):
    """A visitor request that cannot be carried out, with a reason to show."""


@dataclass(frozen=True)
class Identity:
    user_id: str
    signature: str


def save_channel(channel: ChatChannel, *, by: User) -> ChatChannel:
    if not by.is_manager:
        raise PermissionDenied(_("Only managers set up chat channels."))
    channel.full_clean()
    channel.save()
    return channel


def new_channel_secret(channel: ChatChannel, *, by: User) -> ChatChannel:
    """A new secret: the identities signed with the old one stop verifying."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers set up chat channels."))
    channel.secret = new_secret()
    channel.save(update_fields=["secret"])
    return channel


def _subject(body: str) -> str:
    line = " ".join(body.split())
    return _("Chat: %(start)s") % {"start": line[:80] + ("…" if len(line) > 80 else "")}


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ChatError(_("Write a message first."))
    if len(body) > MAX_BODY:
        raise ChatError(_("A message is at most %(n)s characters.") % {"n": MAX_BODY})
    return body


def start_session(
    channel: ChatChannel,
    *,
    name: str,
    email: str,
    body: str,
    language: str = "",
    page_url: str = "",
    ip: str = "",
    claimed: Identity | None = None,
) -> tuple[ChatSession, str]:
    """Opens a conversation with the visitor's first message; returns the session and the
    visitor's token (shown once; only its hash is kept).

    The address was typed by the visitor, so the ticket stays unconfirmed (out of the
    customer's portal) unless the host site vouched for the visitor: a valid signature over
    a user id that is this very address."""
    body = _clean_body(body)
    verified = claimed is not None and identity.verify(
        channel.secret, claimed.user_id, claimed.signature
    )
    if claimed is not None and not verified:
        raise ChatError(_("The signed-in visitor's signature does not match."))
    email = email.strip()
    proven = verified and claimed is not None and claimed.user_id.lower() == email.lower()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        known = User.objects.with_addresses([email]).first()
        customer = known or register_customer(
            email, display_name=name[:150], language=language, unknown=True, join_by_domain=False
        )
        ticket = ticket_actions.create_ticket(
            subject=_subject(body),
            body=body,
            customer=customer,
            channel=Channel.CHAT,
            by=None,
            team=channel.team,
            language=language,
            sender_unconfirmed=not proven,
        )
        session = ChatSession.objects.create(
            channel=channel,
            ticket=ticket,
            token_hash=hash_token(raw),
            visitor_name=name[:150],
            visitor_email=email,
            external_id=claimed.user_id[:200] if verified and claimed else "",
            verified=verified,
            language=language,
            page_url=page_url[:500],
            ip=ip,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    return session, raw


def session_for(channel: ChatChannel, session_id: int, raw_token: str) -> ChatSession | None:
    """The session if ``raw_token`` is its token and it has not expired."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 100:
        return None
    session = (
        ChatSession.objects.select_related("ticket__customer", "channel")
        .filter(pk=session_id, channel=channel, token_hash=hash_token(raw_token))
        .first()
    )
    if session is None or session.expires_at <= timezone.now():
        return None
    return session


def seen(session: ChatSession) -> None:
    """The visitor fetched the conversation: replies up to now were read in the chat."""
    _touch(session, timezone.now())


def _touch(session: ChatSession, now: datetime) -> None:
    # often enough that a reply the visitor fetched counts as read (loket.chat.live)
    if now - session.last_seen_at > timedelta(seconds=15):
        session.last_seen_at = now
        session.expires_at = now + SESSION_LIFETIME
        ChatSession.objects.filter(pk=session.pk).update(
            last_seen_at=now, expires_at=session.expires_at
        )


def visitor_message(
    session: ChatSession, body: str, attachments: Sequence[NewAttachment] = ()
) -> Message:
    """A message from the visitor: a customer message on the conversation's ticket (a closed
    ticket gets a linked follow-up, which the session then follows). Files are checked and
    stored as a mail's attachments are (``loket.tickets.actions``: the same size limit, a
    safe name, the type from the bytes)."""
    if attachments and not body.strip():
        n = len(attachments)
        body = ngettext("(sent %(n)s file)", "(sent %(n)s files)", n) % {"n": n}
    body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        message = ticket_actions.add_customer_message(
            session.ticket, body=body, author=session.ticket.customer, channel=Channel.CHAT,
            by=None, attachments=attachments,
        )  # fmt: skip
        if message.ticket_id != session.ticket_id:
            session.ticket = message.ticket
            ChatSession.objects.filter(pk=session.pk).update(ticket=message.ticket)
        if session.visitor_typing_at is not None:
            session.visitor_typing_at = None
            ChatSession.objects.filter(pk=session.pk).update(visitor_typing_at=None)
        _touch(session, now)
    return message


def visitor_typing(session: ChatSession) -> None:
    """The visitor is typing: the agents with the conversation open hear it (at most every
    ``TYPING_EVERY``)."""
    now = timezone.now()
    last = session.visitor_typing_at
    if last is not None and now - last < TYPING_EVERY:
        return
    with transaction.atomic():
        ChatSession.objects.filter(pk=session.pk).update(visitor_typing_at=now)
        publish(f"chat:{session.ticket_id}")


def visitor_read(session: ChatSession, upto: int) -> bool:
    """The widget showed the agents' replies up to message ``upto`` to the visitor (the chat
    was open and the page visible). The agents hear of it (``read:<ticket>``); returns
    whether anything changed."""
    newest = (
        Message.objects.filter(ticket=session.ticket, kind=MessageKind.REPLY, pk__lte=upto)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if newest is None or newest <= session.visitor_read_upto:
        return False
    with transaction.atomic():
        changed = ChatSession.objects.filter(pk=session.pk, visitor_read_upto__lt=newest).update(
            visitor_read_upto=newest
        )
        if changed:
            session.visitor_read_upto = newest
            publish(f"read:{session.ticket_id}")
    _touch(session, timezone.now())
    return bool(changed)


def agent_read(ticket: Ticket, *, by: User) -> bool:
    """An agent has the conversation's ticket open (visible) with the visitor's messages up
    to now: the widget shows them as read. ``by`` must be allowed to see the ticket (the
    caller fetched it through the access check)."""
    if not by.is_agent:
        raise PermissionDenied
    newest = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if newest is None:
        return False
    with transaction.atomic():
        changed = ChatSession.objects.filter(ticket=ticket, agent_read_upto__lt=newest).update(
            agent_read_upto=newest
        )
        if changed:
            publish(f"read:{ticket.pk}")
    return bool(changed)


def is_closed(session: ChatSession) -> bool:
    return session.ticket.state in (State.RESOLVED, State.CLOSED)


def end_by_visitor(session: ChatSession) -> bool:
    """The visitor ended the conversation: its ticket is solved (by Loket, with the reason),
    as when an agent solves it; writing again opens it anew. ``False`` if it had ended."""
    if is_closed(session):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("The visitor ended the chat.")
    ticket_actions.change_state(session.ticket, State.RESOLVED, by=None, reason=reason, system=True)
    session.ticket.refresh_from_db()
    return True


def set_sound(agent: User, on: bool) -> None:
    """The agent's chat view plays a sound on a new chat or message (or no longer does)."""
    if not agent.is_agent:
        raise PermissionDenied
    AgentChatSettings.objects.update_or_create(agent=agent, defaults={"sound": on})


def sound_on(agent: User) -> bool:
    return AgentChatSettings.objects.filter(agent=agent, sound=True).exists()
