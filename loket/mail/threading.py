"""Which ticket a mail belongs to.

1. In-Reply-To and References against every Message-ID Loket has received or sent (most
   specific first). Whoever holds such an id was sent the mail, so any sender may join.
2. The ticket number in the subject (``[#123]``), but only from the ticket's customer or
   someone of the same organisation: a number is easy to guess, an id is not.
3. Optionally (``LOKET_MAIL_THREAD_BY_SUBJECT_DAYS``): same sender, same subject (without
   Re:/Fwd: prefixes), an open ticket, within that many days.
A changed subject does not break a thread: step 1 does not look at it.

Arrival order does not matter: every received mail's references are kept
(``MailReference``). A mail that answers nothing known, but whose own Message-ID a ticket's
mail referred to (its answer came first), or whose thread root a ticket's mail shares (a
sibling; the parent never came), joins that ticket, when its sender may (the ticket's
customer or organisation: a root is shared by everyone who got the first mail). When a mail
shows that two tickets are one thread, ``joins`` names the others, which the caller merges or
links (``tickets.actions.join_mail_thread``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import timedelta
from typing import Literal

from django.utils import timezone

from loket.accounts.models import User
from loket.mail import conf
from loket.mail.models import MailRecord, MailReference
from loket.mail.parse import ParsedMail
from loket.tickets import locks
from loket.tickets.models import State, Ticket

SUBJECT_NUMBER = re.compile(r"\[#(\d{1,12})\]")
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|antw|doorst|tr|sv|vs|rif|r|ответ|переслать|rv|enc)\s*"
    r"(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)

How = Literal["message-id", "referenced", "subject-number", "subject", ""]
MAX_THREAD_IDS = 50  # of In-Reply-To and References, most specific first


def normalise_subject(subject: str) -> str:
    subject = SUBJECT_NUMBER.sub(" ", subject)
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", subject)
    return " ".join(subject.split()).lower()


def current(ticket: Ticket) -> Ticket:
    """Follows merges to the ticket that lives on."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = locks.held(ticket.merged_into_id) or Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def ticket_ids_for(ids: Collection[str]) -> dict[str, int]:
    """The ticket of each of ``ids`` Loket has seen or sent (the latest record's, when the
    same id was recorded twice)."""
    rows = (
        MailRecord.objects.filter(message_id__in=list(ids))
        .order_by("-id")
        .values_list("message_id", "ticket_message__ticket_id", "ticket_id")
    )
    by_id: dict[str, int] = {}
    for message_id, message_ticket_id, ticket_id in rows:
        found = message_ticket_id or ticket_id
        if found is not None:
            by_id.setdefault(message_id, found)
    return by_id


def ticket_for_ids(
    ids: list[str],
    unsaved: Mapping[str, int] | None = None,
    known: Mapping[str, int] | None = None,
) -> Ticket | None:
    """The ticket of the first of ``ids`` Loket has seen or sent. ``unsaved``: Message-IDs
    of mail stored in the running import batch whose records are not written yet; ``known``:
    ``ticket_ids_for`` of these ids, when the caller has read it already (a batch reads it for
    all of its mails at once)."""
    ids = ids[:MAX_THREAD_IDS]
    if not ids:
        return None
    by_id = dict(known) if known is not None else ticket_ids_for(ids)
    for mid, found in (unsaved or {}).items():
        by_id.setdefault(mid, found)
    for mid in ids:
        if mid in by_id:
            pk = by_id[mid]
            ticket = locks.held(pk) or Ticket.objects.filter(pk=pk).first()
            return current(ticket) if ticket is not None else None
    return None


def remember_references(
    mail: ParsedMail, ticket: Ticket, defer: bool = False
) -> list[MailReference]:
    """Keeps what ``mail`` (now on ``ticket``) refers to, for mails that arrive after it.
    ``defer``: the rows are only made, for the caller to insert (a batch inserts them all at
    its end, ``loket.mail.batching``)."""
    refs = [MailReference(ref=mid[:500], ticket=ticket) for mid in reference_keys_of(mail)]
    if refs and not defer:
        MailReference.objects.bulk_create(refs)
    return refs


def reference_keys_of(mail: ParsedMail) -> list[str]:
    """What ``remember_references`` keeps of ``mail``."""
    return [mid[:500] for mid in mail.thread_ids[:MAX_THREAD_IDS] if mid]


def referring_keys(mail: ParsedMail) -> list[str]:
    """What ``referring_tickets`` looks up: the mail's own Message-ID and its thread root."""
    return [k[:500] for k in (mail.message_id, mail.thread_root) if k]


def references_to(keys: Iterable[str]) -> dict[str, set[int]]:
    """The tickets whose mail referred to each of ``keys``."""
    found: dict[str, set[int]] = {}
    for ref, ticket_id in MailReference.objects.filter(ref__in=list(keys)).values_list(
        "ref", "ticket_id"
    ):
        found.setdefault(ref, set()).add(ticket_id)
    return found


def referring_tickets(
    mail: ParsedMail,
    sender: User | None,
    limit: int = 5,
    known: Mapping[str, Collection[int]] | None = None,
) -> list[Ticket]:
    """Tickets (live ones, oldest first) whose mail referred to this mail's Message-ID or
    shares its thread root, that ``sender`` may join. ``known``: ``references_to`` of these
    keys, when the caller has read it already (a batch reads it for all of its mails)."""
    keys = referring_keys(mail)
    if not keys or sender is None:
        return []
    if known is not None:
        pks = sorted({pk for key in keys for pk in known.get(key, ())})[: limit * 4]
    else:
        pks = list(
            MailReference.objects.filter(ref__in=keys)
            .order_by("ticket_id")
            .values_list("ticket_id", flat=True)
            .distinct()[: limit * 4]
        )
    found: dict[int, Ticket] = {}
    for pk in pks:
        ticket = locks.held(pk) or Ticket.objects.filter(pk=pk).first()
        if ticket is None:
            continue
        ticket = current(ticket)
        if ticket.pk not in found and may_join(ticket, sender):
            found[ticket.pk] = ticket
        if len(found) >= limit:
            break
    return sorted(found.values(), key=lambda t: t.pk)


def joins(
    mail: ParsedMail,
    sender: User | None,
    ticket: Ticket,
    known: Mapping[str, Collection[int]] | None = None,
) -> list[Ticket]:
    """The other tickets that ``mail``, now on ``ticket``, shows to be the same thread."""
    return [t for t in referring_tickets(mail, sender, known=known) if t.pk != current(ticket).pk]


def may_join(ticket: Ticket, sender: User | None) -> bool:
    if sender is None:
        return False
    if ticket.customer_id == sender.pk:
        return True
    return ticket.organisation_id is not None and ticket.organisation_id == sender.organisation_id


def ticket_for_subject_number(subject: str, sender: User | None) -> Ticket | None:
    for number in SUBJECT_NUMBER.findall(subject):
        ticket = Ticket.objects.filter(pk=int(number)).first()
        if ticket is not None:
            ticket = current(ticket)
            if may_join(ticket, sender):
                return ticket
    return None


def ticket_for_same_subject(subject: str, sender: User | None) -> Ticket | None:
    days = conf.thread_by_subject_days()
    if days <= 0 or sender is None:
        return None
    wanted = normalise_subject(subject)
    if not wanted:
        return None
    since = timezone.now() - timedelta(days=days)
    candidates = Ticket.objects.filter(
        customer=sender, created_at__gte=since, merged_into__isnull=True
    ).exclude(state=State.CLOSED)
    for ticket in candidates.order_by("-created_at")[:20]:
        if normalise_subject(ticket.subject) == wanted:
            return ticket
    return None


def find_ticket(
    mail: ParsedMail,
    sender: User | None,
    unsaved: Mapping[str, int] | None = None,
    known: Mapping[str, int] | None = None,
    known_refs: Mapping[str, Collection[int]] | None = None,
) -> tuple[Ticket | None, How]:
    ticket = ticket_for_ids(mail.thread_ids, unsaved, known)
    if ticket is not None:
        return ticket, "message-id"
    referring = referring_tickets(mail, sender, limit=1, known=known_refs)
    if referring:
        return referring[0], "referenced"
    ticket = ticket_for_subject_number(mail.subject, sender)
    if ticket is not None:
        return ticket, "subject-number"
    ticket = ticket_for_same_subject(mail.subject, sender)
    if ticket is not None:
        return ticket, "subject"
    return None, ""
