"""What a received mail becomes (a customer message, a new ticket, an agent's note, a bounce,
an auto-reply), done inside the caller's transaction."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.actions import register_customer
from loket.accounts.models import STAFF_ROLES, User
from loket.lib.files import AttachmentRejected, check_size
from loket.mail import conf, learned, loops, threading
from loket.mail.auth import authenticate, sender_unverified
from loket.mail.batching import (
    _deferring_references,
    _known_references,
    _known_threads,
    _opened_last_hour,
    _seen,
    _sender_blocked,
    _sender_tails,
    _unsaved_threads,
    _user_by_address,
)
from loket.mail.content import Content, content_of
from loket.mail.models import (
    AuthResult,
    BouncedAddress,
    Delivery,
    Direction,
    Mailbox,
    MailRecord,
    Outcome,
)
from loket.mail.parse import ParsedMail
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Channel, Message, State, Ticket


class Rejected(Exception):
    """A mail Loket will not turn into a ticket message; the text is the quarantine reason."""


def _attachments(mail: ParsedMail, notes: list[str]) -> list[NewAttachment]:
    result = []
    for item in mail.attachments:
        try:
            check_size(len(item.data))
        except AttachmentRejected as exc:
            notes.append(_("Attachment %(name)s was not stored: %(reason)s") % {
                "name": item.filename, "reason": str(exc)
            })  # fmt: skip
            continue
        result.append(NewAttachment(item.filename, item.data))
    return result


def _body(content: Content, mail: ParsedMail, notes: list[str]) -> tuple[str, int | None]:
    """The message's text, and the line where a forwarded mail in it starts (None: none).
    Notes about the mail go above a forwarded mail, which ends the text."""
    added = "\n".join(f"[{n}]" for n in notes)
    forwarded = content.forwarded if content.visible.endswith(content.forwarded) else ""
    if forwarded:
        head = "\n\n".join(part for part in (content.own, added) if part.strip()).strip()
        if not head:
            return forwarded.strip(), 0
        return f"{head}\n\n{forwarded}", head.count("\n") + 2
    body = content.visible or mail.text.strip()
    if not body.strip():
        body = _("(no text)")
    if added:
        body += "\n\n" + added
    return body, None


def _learn_signature(content: Content, record: MailRecord, address: str) -> Content:
    """Keeps the end of the customer's words with the record, and cuts the signature their
    earlier mails show (``loket.mail.learned``) from the visible text into the signature."""
    own = content.own
    record.tail = learned.tail_of(own)
    found = learned.cut(own, _sender_tails(address)) if record.tail else None
    if found is None:
        return content
    kept, signature = found
    visible = f"{kept}\n\n{content.forwarded}" if own != content.visible else kept
    changed = replace(
        content,
        visible=visible,
        signature=f"{signature}\n\n{content.signature}" if content.signature else signature,
        html="",  # the HTML still holds the signature: the text is shown
    )
    if "language" in content.__dict__:  # detected already (outside the transaction)
        changed.__dict__["language"] = content.__dict__["language"]
    return changed


def _link_content_ids(record: MailRecord, message: Message, mail: ParsedMail) -> None:
    import hashlib

    inline = {hashlib.sha256(a.data).hexdigest(): a.content_id for a in mail.attachments}
    inline = {sha: cid for sha, cid in inline.items() if cid}
    if not inline:
        return
    mapping = {}
    for attachment in message.attachments.filter(sha256__in=list(inline)):
        mapping[inline[attachment.sha256]] = attachment.pk
    record.content_ids = mapping


def _bounce(mail: ParsedMail, record: MailRecord) -> list[str]:
    report = loops.bounce_report(mail)
    ids = report.original_message_ids or mail.thread_ids
    original = (
        MailRecord.objects.filter(direction=Direction.OUT, message_id__in=ids[:50])
        .select_related("ticket_message__ticket")
        .first()
    )
    if original is not None:
        MailRecord.objects.filter(pk=original.pk).update(
            delivery_status=Delivery.BOUNCED,
            delivery_error=(report.diagnostic or report.status or mail.subject)[:2000],
        )
        record.ticket = (
            original.ticket_message.ticket if original.ticket_message else original.ticket
        )
    elif ids:
        record.ticket = threading.ticket_for_ids(ids, _unsaved_threads())
    now = timezone.now()
    for address in report.recipients[:20]:
        flagged, created = BouncedAddress.objects.get_or_create(
            address=address,
            defaults={"bounces": 1, "last_status": report.status,
                      "last_diagnostic": report.diagnostic, "last_bounce_at": now},
        )  # fmt: skip
        if not created:
            BouncedAddress.objects.filter(pk=flagged.pk).update(
                bounces=F("bounces") + 1,
                last_status=report.status,
                last_diagnostic=report.diagnostic,
                last_bounce_at=now,
            )
    record.outcome = Outcome.BOUNCE
    if record.ticket is not None:
        _note_bounce(record.ticket, report.recipients, report.diagnostic or report.status)
    return []


def _note_bounce(ticket: Ticket, recipients: list[str], reason: str) -> None:
    """Puts the bounce on the ticket's timeline, so the agent knows the answer never arrived
    (a closed ticket is left as it is: the bounce stays on its mail record)."""
    ticket = threading.current(ticket)
    if ticket.state == State.CLOSED:
        return
    body = _("A mail to %(addresses)s could not be delivered: %(reason)s") % {
        "addresses": ", ".join(recipients[:5]) or _("the customer"),
        "reason": reason or _("no reason given"),
    }
    actions.add_system_note(ticket, body=body)


def _over_rate_limit(address: str) -> bool:
    return _opened_last_hour(address) >= conf.new_tickets_per_hour()


def _apply(
    mail: ParsedMail, record: MailRecord, mailbox: Mailbox, prepared: Content | None = None
) -> tuple[list[str], User | None, int | None]:
    """Decides what the mail becomes and does it (inside the caller's transaction); returns
    notes for the message, the customer it came from (if it became a customer's) and the
    ticket to acknowledge (if it opened one that gets an acknowledgement)."""
    verdict = loops.classify(mail, conf.own_addresses())
    record.automatic = verdict.automatic
    record.loop_reasons = verdict.reasons
    notes: list[str] = []

    if verdict.bounce:
        _bounce(mail, record)
        return notes, None, None
    if verdict.own:
        record.outcome = Outcome.OWN
        record.ticket = threading.ticket_for_ids(
            mail.thread_ids, _unsaved_threads(), _known_threads(mail.thread_ids)
        )
        return notes, None, None
    sender_address = mail.from_address
    if not sender_address:
        raise Rejected(_("The mail has no valid sender address."))

    content = prepared or content_of(mail)
    record.quoted = content.quoted[:100_000]
    record.signature = content.signature[:5000]
    known = _user_by_address(sender_address)
    sender = known if known is not None and not known.is_agent else None
    if sender is not None and _sender_blocked(sender.pk):
        # An agent closed this sender's mail as spam and blocked them: the mail is kept in
        # quarantine, where an admin can still read it.
        raise Rejected(
            _("The sender %(address)s is blocked: an agent marked their mail as spam.")
            % {"address": sender_address}
        )
    ticket, _how = threading.find_ticket(
        mail,
        sender,
        _unsaved_threads(),
        _known_threads(mail.thread_ids),
        _known_references(threading.referring_keys(mail)),
    )

    if known is not None and known.role in STAFF_ROLES:
        # Mail "from an agent" is an agent's action only when the desk's own servers say it
        # is authentic (SECURITY 9); even then it becomes an internal note, never a reply.
        record.auth_result = authenticate(
            mail.authentication_results, sender_address, conf.trusted_authserv_ids()
        )
        if record.auth_result != AuthResult.PASS:
            raise Rejected(
                _("Mail from the agent address %(address)s is not authenticated (DKIM/DMARC).")
                % {"address": sender_address}
            )
        if ticket is None:
            raise Rejected(_("Authenticated mail from an agent that belongs to no ticket."))
        attachments = _attachments(mail, notes)
        body, record.forwarded_line = _body(content, mail, notes)
        message = actions.add_note(ticket, body=body, by=known, attachments=attachments)
        record.outcome = Outcome.NOTE
        record.ticket_message = message
        record.ticket = message.ticket
        _link_content_ids(record, message, mail)
        return notes, None, None

    if verdict.auto_reply and ticket is not None:
        # An out-of-office answer to our mail: noted on the ticket, not a customer message
        # (it neither reopens the ticket nor waits for an answer).
        record.outcome = Outcome.AUTO_REPLY
        record.ticket = ticket
        return notes, None, None

    content = _learn_signature(content, record, sender_address)
    record.signature = content.signature[:5000]
    ui_languages = {code for code, _name in settings.LANGUAGES}
    customer = sender or register_customer(
        sender_address,
        display_name=mail.sender.name if mail.sender else "",
        language=content.language if content.language in ui_languages else "",
        unknown=known is None and _seen.get() is not None,
    )
    attachments = _attachments(mail, notes)
    body, record.forwarded_line = _body(content, mail, notes)
    # A known customer's address is worth forging: a mail the desk's server could not tie to
    # the From domain is marked for the agent (never blocked).
    unverified = sender is not None and sender_unverified(
        mail.authentication_results, sender_address, conf.trusted_authserv_ids()
    )
    acknowledge: int | None = None
    if ticket is not None:
        message = actions.add_customer_message(
            ticket,
            body=body,
            body_html=content.html,
            author=customer,
            channel=Channel.EMAIL,
            by=None,
            attachments=attachments,
            unverified_sender=unverified,
        )
        record.opened_ticket = message.ticket_id != ticket.pk  # a follow-up to a closed one
    else:
        if _over_rate_limit(sender_address):
            raise Rejected(
                _("%(address)s opened more than %(n)s tickets by mail in the last hour.")
                % {"address": sender_address, "n": conf.new_tickets_per_hour()}
            )
        created, message = actions.create_ticket_with_message(
            subject=mail.subject or _("(no subject)"),
            body=body,
            body_html=content.html,
            customer=customer,
            channel=Channel.EMAIL,
            by=None,
            attachments=attachments,
            language=content.language,
            mailbox_id=mailbox.pk,
            unverified_sender=unverified,
        )
        record.opened_ticket = True
        if not verdict.automatic and conf.acknowledge():
            acknowledge = created.pk
    record.ticket_message = message
    record.ticket = message.ticket
    _link_content_ids(record, message, mail)
    survivor = _join_thread(mail, customer, message.ticket, record)
    if survivor.pk != message.ticket_id:
        record.ticket = survivor
        acknowledge = None  # its ticket was merged into one the customer already heard from
    return notes, customer, acknowledge


def _join_thread(mail: ParsedMail, customer: User, ticket: Ticket, record: MailRecord) -> Ticket:
    """Keeps this mail's references, and joins the tickets it shows to be one thread with
    ``ticket`` (a reply that came before this mail opened its own): the newer is merged into
    the older when neither was answered, else they are linked with a note for the agent.
    Returns the ticket this mail's message lives on afterwards. In a batch the references go
    with the record, inserted when the mail is stored (``batching._remember_stored``)."""
    deferred = _deferring_references()
    refs = threading.remember_references(mail, ticket, defer=deferred)
    if deferred:
        record._loket_references = refs  # type: ignore[attr-defined]
    survivor = threading.current(ticket)
    known = _known_references(threading.referring_keys(mail))
    for other in threading.joins(mail, customer, survivor, known):
        older, newer = sorted([survivor, other], key=lambda t: t.pk)
        how = actions.join_mail_thread(
            newer,
            older,
            reason=_("One mail thread: a reply arrived before the mail it answers."),
        )
        if how == "merged":
            survivor = older
        elif how == "linked" and State.CLOSED in (older.state, newer.state):
            continue  # nothing to tell on a closed ticket; the link is on both timelines
        elif how == "linked":
            actions.add_system_note(
                older,
                body=_(
                    "Ticket #%(other)s is part of the same mail thread (a reply arrived "
                    "before the mail it answers). One of them was already answered, so they "
                    "are linked, not merged: merge them if they are one question."
                )
                % {"other": newer.pk},
            )
    return survivor
