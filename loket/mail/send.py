"""Outgoing mail: agents' replies and Loket's automatic acknowledgement.

Each mail gets Loket's own Message-ID (made once and kept on its ``MailRecord``, so a retry
after a crash sends the same id), In-Reply-To and References from the ticket's thread, the
ticket number in the subject, the agent's name in From ("Anna de Vries via Acme Support"),
plain text and HTML. Automatic mail carries ``Auto-Submitted: auto-replied`` (RFC 3834) and
is never sent in answer to automatic mail, nor more than a few times an hour to one address.
CR or LF in a subject, name or address is refused before any mail is built (SECURITY 11).

Delivery status lives on the record: pending ("not delivered yet"), sent, failed (with the
reason) or bounced (set when the bounce comes back, see ``ingest``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from loket.mail import conf
from loket.mail.models import Delivery, Direction, MailRecord, Outcome
from loket.tickets.models import Message, MessageKind, Ticket

MAX_ATTEMPTS = 6
MAX_REFERENCES = 20


class UnsafeHeader(ValueError):
    """A header value that would change the mail's recipients or headers if sent."""


def check_header(value: str, what: str) -> str:
    if any(ch in value for ch in ("\r", "\n", "\x00")):
        raise UnsafeHeader(_("%(what)s contains a line break.") % {"what": what})
    return value


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "loket.localhost"


def new_message_id(ticket: Ticket, message: Message | None = None) -> str:
    """Loket's own id: recognisable, and unguessable so that holding it proves receipt."""
    middle = f"{message.pk}." if message is not None else "ack."
    return f"loket.{ticket.pk}.{middle}{secrets.token_hex(8)}@{_domain()}"


def _desk_address(ticket: Ticket) -> str:
    """The address the customer wrote to, so the answer comes from there."""
    first = (
        MailRecord.objects.filter(direction=Direction.IN)
        .filter(Q(ticket=ticket) | Q(ticket_message__ticket=ticket))
        .exclude(mailbox__address="")
        .select_related("mailbox")
        .order_by("id")
        .first()
    )
    if first is not None and first.mailbox is not None:
        return first.mailbox.address
    return settings.DEFAULT_FROM_EMAIL


def thread_headers(ticket: Ticket, exclude: MailRecord | None = None) -> tuple[str, list[str]]:
    """In-Reply-To (the customer's latest mail) and References (the thread, capped)."""
    records = (
        MailRecord.objects.filter(Q(ticket=ticket) | Q(ticket_message__ticket=ticket))
        .exclude(message_id="")
        .filter(Q(direction=Direction.OUT) | Q(outcome=Outcome.MESSAGE))
        .order_by("id")
    )
    if exclude is not None:
        records = records.exclude(pk=exclude.pk)
    ids: list[str] = []
    in_reply_to = ""
    for record in records:
        if record.message_id not in ids:
            ids.append(record.message_id)
        if record.direction == Direction.IN:
            in_reply_to = record.message_id
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return in_reply_to or (ids[-1] if ids else ""), ids


def subject_for(ticket: Ticket) -> str:
    subject = " ".join(ticket.subject.split())
    return f"[#{ticket.pk}] {subject}"


def _html(text: str, body_html: str) -> str:
    return body_html or linebreaks(escape(text))


def build(
    record: MailRecord,
    *,
    ticket: Ticket,
    to: str,
    sender_name: str,
    text: str,
    html: str,
    automatic: bool,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> EmailMultiAlternatives:
    subject = check_header(subject_for(ticket), _("The subject"))
    name = check_header(sender_name, _("The sender's name"))
    from_address = check_header(_desk_address(ticket), _("The sender's address"))
    check_header(to, _("The recipient's address"))
    in_reply_to, references = thread_headers(ticket, exclude=record)
    headers = {
        "Message-ID": f"<{record.message_id}>",
        "X-Loket-Ticket": str(ticket.pk),
    }
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        headers["References"] = " ".join(f"<{r}>" for r in references)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((name, from_address)),
        to=[to],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    for filename, data, content_type in attachments or []:
        mail.attach(filename, data, content_type)
    return mail


def _deliver(record: MailRecord, mail: EmailMultiAlternatives) -> MailRecord:
    """Sends; records the outcome. Raises on a temporary failure so the task is retried."""
    MailRecord.objects.filter(pk=record.pk).update(delivery_attempts=record.delivery_attempts + 1)
    record.delivery_attempts += 1
    try:
        mail.send()
    except Exception as exc:
        record.delivery_error = f"{type(exc).__name__}: {exc}"[:2000]
        record.delivery_status = (
            Delivery.FAILED if record.delivery_attempts >= MAX_ATTEMPTS else Delivery.PENDING
        )
        record.save(update_fields=["delivery_error", "delivery_status"])
        raise
    record.delivery_status = Delivery.SENT
    record.delivery_error = ""
    record.sent_at = timezone.now()
    record.save(update_fields=["delivery_status", "delivery_error", "sent_at"])
    return record


def _refuse(record: MailRecord, exc: UnsafeHeader) -> MailRecord:
    record.delivery_status = Delivery.FAILED
    record.delivery_error = str(exc)
    record.save(update_fields=["delivery_status", "delivery_error"])
    return record


def send_reply(message_pk: int) -> MailRecord | None:
    """Mails an agent's public reply to the ticket's customer (idempotent once sent)."""
    message = (
        Message.objects.select_related("ticket__customer", "author").filter(pk=message_pk).first()
    )
    if message is None or message.kind != MessageKind.REPLY or message.ticket.customer is None:
        return None
    ticket = message.ticket
    customer = ticket.customer
    assert customer is not None
    record, _created = MailRecord.objects.get_or_create(
        ticket_message=message,
        defaults={
            "direction": Direction.OUT,
            "message_id": new_message_id(ticket, message),
            "ticket": ticket,
            "outcome": Outcome.SENT,
            "delivery_status": Delivery.PENDING,
            "subject": subject_for(ticket)[:500],
            "recipients": [customer.email],
        },
    )
    if record.delivery_status in (Delivery.SENT, Delivery.BOUNCED):
        return record
    with translation.override(customer.language or ticket.language or settings.LANGUAGE_CODE):
        author = message.author.name if message.author else settings.SITE_NAME
        signature = message.author.signature if message.author else ""
        portal = _("You can also read and answer this in the portal: %(url)s") % {
            "url": f"{settings.BASE_URL}/portal/tickets/{ticket.pk}/"
        }
        text = message.body + (f"\n\n-- \n{signature}" if signature else "") + f"\n\n{portal}"
        html = (
            _html(message.body, message.body_html)
            + (linebreaks(escape(f"-- \n{signature}")) if signature else "")
            + linebreaks(escape(portal))
        )
        sender = _("%(author)s via %(site)s") % {"author": author, "site": settings.SITE_NAME}
        files = [(a.filename, a.file.read(), a.content_type) for a in message.attachments.all()]
        try:
            mail = build(
                record, ticket=ticket, to=customer.email, sender_name=sender, text=text,
                html=html, automatic=False, attachments=files,
            )  # fmt: skip
        except UnsafeHeader as exc:
            return _refuse(record, exc)
    return _deliver(record, mail)


def _acks_recently(address: str) -> int:
    since = timezone.now() - timedelta(hours=1)
    return MailRecord.objects.filter(
        direction=Direction.OUT, automatic=True, created_at__gte=since, recipients=[address]
    ).count()


def send_acknowledgement(ticket_pk: int) -> MailRecord | None:
    """Tells a customer who wrote in that their mail arrived, once per ticket.

    Only for tickets opened by a person's own mail (never in answer to automatic mail, never
    to an address that did not write in), and at most a few an hour to one address.
    """
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_pk).first()
    if ticket is None or ticket.customer is None:
        return None
    opener = (
        MailRecord.objects.filter(
            direction=Direction.IN, opened_ticket=True, ticket_message__ticket=ticket
        )
        .order_by("id")
        .first()
    )
    customer = ticket.customer
    if opener is None or opener.automatic or opener.from_address != customer.email.lower():
        return None
    if MailRecord.objects.filter(direction=Direction.OUT, automatic=True, ticket=ticket).exists():
        return None
    if _acks_recently(customer.email) >= conf.acks_per_hour():
        return None
    record = MailRecord.objects.create(
        direction=Direction.OUT,
        message_id=new_message_id(ticket),
        ticket=ticket,
        outcome=Outcome.SENT,
        automatic=True,
        delivery_status=Delivery.PENDING,
        subject=subject_for(ticket)[:500],
        recipients=[customer.email],
    )
    from loket.mail.templates_text import acknowledgement

    with translation.override(customer.language or ticket.language or settings.LANGUAGE_CODE):
        text = acknowledgement(ticket, customer)
        try:
            mail = build(
                record, ticket=ticket, to=customer.email, sender_name=settings.SITE_NAME,
                text=text, html=linebreaks(escape(text)), automatic=True,
            )  # fmt: skip
        except UnsafeHeader as exc:
            return _refuse(record, exc)
    return _deliver(record, mail)
