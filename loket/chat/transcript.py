"""The conversation by mail, on the visitor's request: to the address of the session only
(the one they typed at the start, or the one the host site vouched for), sent by the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from loket.chat.models import ChatSession
from loket.tickets.models import Message, MessageKind


def request(session: ChatSession) -> None:
    """Queues the mail (when the request's transaction commits)."""
    from loket.chat.tasks import mail_transcript

    with transaction.atomic():
        mail_transcript.enqueue(session.pk)


def compose(session: ChatSession) -> EmailMessage:
    """The mail: every message the visitor sees (never an internal note), oldest first, with
    who wrote it and when, as plain text; files by name."""
    ticket = session.ticket
    rows = (
        Message.objects.filter(ticket=ticket, kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY])
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    with translation.override(session.language or settings.LANGUAGE_CODE):
        site = str(getattr(settings, "SITE_NAME", "Loket"))
        lines = [
            _("Your conversation with %(site)s (reference %(ref)s):")
            % {"site": site, "ref": ticket.pk},
            "",
        ]
        for message in rows:
            if message.kind == MessageKind.REPLY:
                who = message.author.name if message.author else site
            else:
                who = session.visitor_name or _("You")
            when = date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
            lines.append(f"{who} — {when}")
            lines.append(message.body)
            for item in message.attachments.all():
                lines.append(_("[File: %(name)s]") % {"name": item.filename})
            lines.append("")
        lines.append(_("You asked for this transcript in the chat on our website."))
        subject = _("Your chat with %(site)s") % {"site": site}
    mail = EmailMessage(
        subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [session.visitor_email]
    )
    mail.extra_headers["Auto-Submitted"] = "auto-replied"
    return mail


def send(session_id: int) -> bool:
    session = ChatSession.objects.select_related("ticket").filter(pk=session_id).first()
    if session is None or not session.visitor_email:
        return False
    compose(session).send()
    return True
