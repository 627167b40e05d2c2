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

import hashlib
import secrets
from datetime import timedelta
from email.mime.image import MIMEImage
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from loket.accounts.models import DeskSettings, User
from loket.mail import conf
from loket.mail.models import BouncedAddress, Delivery, Direction, MailRecord, Outcome
from loket.mail.templates_text import render
from loket.tickets.models import Channel, Message, MessageKind, State, Ticket

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


def new_message_id(ticket: Ticket, message: Message | None = None, *, kind: str = "ack") -> str:
    """Loket's own id: recognisable, and unguessable so that holding it proves receipt.
    ``kind`` names an automatic mail (``ack``, ``closed3``) when there is no message."""
    middle = f"{message.pk}." if message is not None else f"{kind}."
    return f"loket.{ticket.pk}.{middle}{secrets.token_hex(8)}@{_domain()}"


def _records_of(ticket: Ticket) -> QuerySet[MailRecord]:
    """Every mail record of the ticket: the ticket's own and those of its messages."""
    return MailRecord.objects.filter(Q(ticket=ticket) | Q(ticket_message__ticket=ticket))


def _customer_mails(ticket: Ticket) -> QuerySet[MailRecord]:
    return _records_of(ticket).filter(direction=Direction.IN, outcome=Outcome.MESSAGE)


def _automatic_record(ticket: Ticket, kind: str) -> MailRecord | None:
    """The automatic mail of ``kind`` made for the ticket, if there is one."""
    return (
        MailRecord.objects.filter(
            direction=Direction.OUT,
            ticket=ticket,
            message_id__startswith=f"loket.{ticket.pk}.{kind}.",
        )
        .order_by("id")
        .first()
    )


def hard_bounced(addresses: list[str]) -> set[str]:
    """Those of ``addresses`` (lower case) with a hard bounce (5.x.x) in the last 30 days:
    automatic mail and Cc copies are not sent there again."""
    since = timezone.now() - timedelta(days=30)
    return set(
        BouncedAddress.objects.filter(
            address__in=[a.lower() for a in addresses],
            last_status__startswith="5",
            last_bounce_at__gte=since,
        ).values_list("address", flat=True)
    )


def permanently_bounced(address: str) -> bool:
    return bool(hard_bounced([address]))


def cc_for(ticket: Ticket, customer_address: str) -> list[str]:
    """Reply to all: the others on the customer side's latest mail in this ticket (its sender
    when that was not the customer, and its To and Cc), minus the desk's own addresses and
    addresses that bounce."""
    latest = _customer_mails(ticket).order_by("-id").first()
    if latest is None:
        return []
    skip = set(conf.own_addresses()) | {customer_address.lower()}
    cc: list[str] = []
    for address in [latest.from_address, *latest.recipients]:
        folded = str(address).strip().lower()
        if folded and "@" in folded and folded not in skip and folded not in cc:
            cc.append(folded)
    bounced = hard_bounced(cc)
    return [a for a in cc if a not in bounced][: conf.max_cc()]


def chosen_cc(message: Message, customer_address: str) -> list[str]:
    """The Cc the agent chose for the reply (``Message.cc``, checked when it was stored),
    minus the customer and addresses that bounce."""
    chosen = [a.lower() for a in message.cc or [] if isinstance(a, str)]
    customer = customer_address.lower()
    bounced = hard_bounced(chosen)
    return [a for a in chosen if a != customer and a not in bounced]


def _desk_address(ticket: Ticket) -> str:
    """The address the customer wrote to, so the answer comes from there."""
    first = (
        _records_of(ticket)
        .filter(direction=Direction.IN)
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
        _records_of(ticket)
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
    cc: list[str] | None = None,
    text: str,
    html: str,
    automatic: bool | str,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> EmailMultiAlternatives:
    subject = check_header(subject_for(ticket), _("The subject"))
    name = check_header(sender_name, _("The sender's name"))
    from_address = check_header(_desk_address(ticket), _("The sender's address"))
    check_header(to, _("The recipient's address"))
    for address in cc or []:
        check_header(address, _("The recipient's address"))
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
        headers["Auto-Submitted"] = automatic if isinstance(automatic, str) else "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((name, from_address)),
        to=[to],
        cc=cc or None,
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    for filename, data, content_type in attachments or []:
        # An image the reply shows inline (``cid:img-<sha256 prefix>``, the reply editor's
        # pasted images) goes with that Content-ID; the rest are plain attachments.
        cid = "img-" + hashlib.sha256(data).hexdigest()[:24]
        if content_type.startswith("image/") and f"cid:{cid}" in html:
            part = MIMEImage(data, _subtype=content_type.split("/", 1)[1])
            part["Content-ID"] = f"<{cid}>"
            part.add_header("Content-Disposition", "inline", filename=filename)
            mail.attach(part)
        else:
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
    if message.cc is not None:  # the agent chose the Cc
        cc = chosen_cc(message, customer.email)
    else:
        cc = cc_for(ticket, customer.email)
    record, _created = MailRecord.objects.get_or_create(
        ticket_message=message,
        defaults={
            "direction": Direction.OUT,
            "message_id": new_message_id(ticket, message),
            "ticket": ticket,
            "outcome": Outcome.SENT,
            "delivery_status": Delivery.PENDING,
            "subject": subject_for(ticket)[:500],
            "recipients": [customer.email, *cc],
        },
    )
    if record.delivery_status in (Delivery.SENT, Delivery.BOUNCED):
        return record
    cc = [a for a in record.recipients[1:] if isinstance(a, str)]  # as first decided
    with translation.override(customer.language or ticket.language or settings.LANGUAGE_CODE):
        brand = DeskSettings.current()
        author = message.author.name if message.author else brand.desk_name
        signature = message.author.signature if message.author else ""
        portal = render("reply_footer", ticket, customer)
        footer = brand.mail_footer.strip()
        text = (
            message.body
            + (f"\n\n-- \n{signature}" if signature else "")
            + f"\n\n{portal}"
            + (f"\n\n{footer}" if footer else "")
        )
        html = (
            _html(message.body, message.body_html)
            + (linebreaks(escape(f"-- \n{signature}")) if signature else "")
            + linebreaks(escape(portal))
            + (linebreaks(escape(footer)) if footer else "")
        )
        sender = brand.sender_name or _("%(author)s via %(site)s") % {
            "author": author, "site": brand.desk_name
        }  # fmt: skip
        files = [(a.filename, a.file.read(), a.content_type) for a in message.attachments.all()]
        try:
            mail = build(
                record, ticket=ticket, to=customer.email, sender_name=sender, cc=cc, text=text,
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


def _send_automatic(
    ticket: Ticket, customer: User, kind: str, template: str, auto_submitted: str
) -> MailRecord | None:
    """One automatic mail of ``kind`` per ticket: made once, then (re)delivered until it is
    sent or has failed for good, so a retried task finishes what a failed try began."""
    record = _automatic_record(ticket, kind)
    if record is not None and record.delivery_status != Delivery.PENDING:
        return None  # sent, bounced or failed for good: never a second one
    if record is None:
        if permanently_bounced(customer.email):
            return None
        record = MailRecord.objects.create(
            direction=Direction.OUT,
            message_id=new_message_id(ticket, kind=kind),
            ticket=ticket,
            outcome=Outcome.SENT,
            automatic=True,
            delivery_status=Delivery.PENDING,
            subject=subject_for(ticket)[:500],
            recipients=[customer.email],
        )
    with translation.override(customer.language or ticket.language or settings.LANGUAGE_CODE):
        text = render(template, ticket, customer)
        try:
            mail = build(
                record, ticket=ticket, to=customer.email, sender_name=settings.SITE_NAME,
                text=text, html=linebreaks(escape(text)), automatic=auto_submitted,
            )  # fmt: skip
        except UnsafeHeader as exc:
            return _refuse(record, exc)
    return _deliver(record, mail)


def send_acknowledgement(ticket_pk: int) -> MailRecord | None:
    """Tells a customer their new ticket arrived, with its number, once per ticket.

    By mail: only for tickets opened by a person's own mail (never in answer to automatic
    mail, never to an address that did not write in). From the portal, the API or the chat:
    only to the customer's own proven address (``_acknowledged_by_mail``). Never to an address
    that bounced, and at most a few an hour to one address.
    """
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_pk).first()
    if ticket is None or ticket.customer is None:
        return None
    customer = ticket.customer
    if ticket.channel != Channel.EMAIL:
        if not _acknowledged_by_mail(ticket, customer):
            return None
    else:
        opener = (
            MailRecord.objects.filter(
                direction=Direction.IN, opened_ticket=True, ticket_message__ticket=ticket
            )
            .order_by("id")
            .first()
        )
        if opener is None or opener.automatic or opener.from_address != customer.email.lower():
            return None
    if (
        _automatic_record(ticket, "ack") is None
        and _acks_recently(customer.email) >= conf.acks_per_hour()
    ):
        return None
    return _send_automatic(ticket, customer, "ack", "acknowledgement", "auto-replied")


# Tickets from these channels are acknowledged by mail, to the customer's own address; the
# contact form's confirmation mail carries the number (``loket.portal.confirmation``), and the
# messengers answer in their own chat (``loket.messengers.acks``).
MAIL_ACK_CHANNELS = frozenset({Channel.WEB, Channel.API, Channel.CHAT})
NO_MAIL_DOMAINS = (".invalid",)  # messenger contacts nobody linked to an address yet


def _acknowledged_by_mail(ticket: Ticket, customer: User) -> bool:
    """The loop rules for tickets that did not come by mail: a customer (not staff) with a
    real, proven address (never the contact form's or chat's typed-in one before it was
    confirmed)."""
    return (
        ticket.channel in MAIL_ACK_CHANNELS
        and not ticket.sender_unconfirmed
        and not customer.is_agent
        and customer.is_active
        and bool(customer.email)
        and not customer.email.lower().endswith(NO_MAIL_DOMAINS)
    )


def send_closing_notice(ticket_pk: int, event_pk: int) -> MailRecord | None:
    """Tells the customer their ticket was marked solved and that a reply reopens it; once
    per resolution, only for tickets that came in by mail from a person, and only while the
    ticket is still resolved (reopened in the meantime: nothing is sent)."""
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_pk).first()
    if ticket is None or ticket.customer is None or ticket.state != State.RESOLVED:
        return None
    opener = _customer_mails(ticket).order_by("id").first()
    if opener is None or opener.automatic:
        return None
    return _send_automatic(
        ticket, ticket.customer, f"closed{event_pk}", "closing", "auto-generated"
    )
