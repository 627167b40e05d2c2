"""Storing many mails in one transaction (``batch``): what the batch has learnt about the
database so each mail need not ask again, counters written once, records inserted together,
and the unit of work each mail is stored in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from loket.accounts.models import User
from loket.lib import bulk, memo
from loket.mail import learned, threading
from loket.mail.models import (
    Direction,
    Mailbox,
    MailRecord,
    MailReference,
    Quarantine,
)
from loket.mail.parse import ParsedMail, parse
from loket.mail.rawstore import _sha, quick_key
from loket.tickets import actions, eventlog, locks
from loket.tickets.models import BlockedSender


def _drop_unused_raw(mail: ParsedMail | None) -> None:
    """A parsing worker wrote this mail's bytes ahead of storing, and the mail turned out to
    be a copy (same Message-ID, other bytes) of one stored before: its file serves nothing.
    Removed unless something refers to it after all."""
    if mail is None or not mail.raw_created or not mail.raw_name:
        return
    name = mail.raw_name
    seen = _seen.get()
    if seen is not None and any(record.raw.name == name for record in seen.records):
        return  # the same bytes were stored earlier in this batch (record not written yet)
    if MailRecord.objects.filter(raw=name).exists() or Quarantine.objects.filter(raw=name).exists():
        return
    with suppress(OSError):
        default_storage.delete(name)
    mail.raw_created = False


_pending: ContextVar[dict[int, Counter[str]] | None] = ContextVar(
    "loket_mail_pending_counts", default=None
)


@dataclass
class _Seen:
    """What a batch has learnt about the database, so each mail need not ask again.

    Only what committed work established goes in (a mail rolled back to its savepoint adds
    nothing), and the batch is one transaction, so the answers stay true until it ends.
    Addresses are kept casefolded.
    """

    checked_keys: set[tuple[int, str]] = field(default_factory=set)
    stored_keys: set[tuple[int, str]] = field(default_factory=set)
    users: dict[str, User | None] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)
    acknowledge: list[int] = field(default_factory=list)
    records: list[MailRecord] = field(default_factory=list)
    threads: dict[str, int] = field(default_factory=dict)
    # ``threading.ticket_ids_for`` of every Message-ID the batch's mails refer to, read at once
    known_threads: dict[str, int] = field(default_factory=dict)
    checked_threads: set[str] = field(default_factory=set)
    # The ``MailRecord.tail`` of each sender's latest mails, newest first (``loket.mail.learned``)
    tails: dict[str, list[str]] = field(default_factory=dict)
    # ``threading.references_to`` of the keys the batch's mails look up, with what the batch's
    # own mails refer to added; and those references, inserted together at the batch's end
    refs: dict[str, set[int]] = field(default_factory=dict)
    checked_refs: set[str] = field(default_factory=set)
    new_refs: list[MailReference] = field(default_factory=list)
    # Which of the batch's known senders an agent blocked (``BlockedSender``), read at once
    blocked: set[int] = field(default_factory=set)
    checked_blocked: set[int] = field(default_factory=set)


_seen: ContextVar[_Seen | None] = ContextVar("loket_mail_batch_seen", default=None)


def _already_stored(mailbox: Mailbox, key: str) -> bool:
    seen = _seen.get()
    if seen is not None and (mailbox.pk, key) in seen.checked_keys:
        return (mailbox.pk, key) in seen.stored_keys
    return MailRecord.objects.filter(
        mailbox=mailbox, direction=Direction.IN, dedupe_key=key
    ).exists()


def _user_by_address(address: str) -> User | None:
    seen = _seen.get()
    folded = address.casefold()
    if seen is not None and folded in seen.users:
        return seen.users[folded]
    user = User.objects.with_addresses([address]).first()
    if seen is not None:
        seen.users[folded] = user
    return user


def _sender_blocked(user_id: int) -> bool:
    seen = _seen.get()
    if seen is not None and user_id in seen.checked_blocked:
        return user_id in seen.blocked
    return actions.sender_blocked(user_id)


def _prefetch_blocked(seen: _Seen) -> None:
    ids = {u.pk for u in seen.users.values() if u is not None} - seen.checked_blocked
    if ids:
        seen.blocked.update(
            BlockedSender.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True)
        )
        seen.checked_blocked.update(ids)


def _opened_last_hour(address: str) -> int:
    seen = _seen.get()
    folded = address.casefold()
    if seen is not None and folded in seen.opened:
        return seen.opened[folded]
    since = timezone.now() - timedelta(hours=1)
    opened = MailRecord.objects.filter(
        direction=Direction.IN, from_address=address, opened_ticket=True, created_at__gte=since
    ).count()
    if seen is not None:
        seen.opened[folded] = opened
    return opened


# A sender's mails older than this teach nothing about their signature (and are not read).
TAIL_DAYS = 365


def _sender_tails(address: str) -> list[str]:
    """The tails of ``address``'s latest mails, newest first (one indexed query, or none in a
    batch, which reads them for all its senders at once)."""
    seen = _seen.get()
    folded = address.casefold()
    if seen is not None and folded in seen.tails:
        return seen.tails[folded]
    since = timezone.now() - timedelta(days=TAIL_DAYS)
    tails = list(
        MailRecord.objects.filter(
            direction=Direction.IN, from_address=address, created_at__gte=since
        )
        .exclude(tail="")
        .order_by("-created_at", "-id")
        .values_list("tail", flat=True)[: learned.PREVIOUS]
    )
    if seen is not None:
        seen.tails[folded] = tails
    return tails


def _prefetch_tails(seen: _Seen, senders: set[str]) -> None:
    """The tails of every sender's latest mails in one query (a window over the sender and
    date index, at most ``learned.PREVIOUS`` rows per sender)."""
    unread = sorted(a for a in senders if a.casefold() not in seen.tails)
    if not unread:
        return
    seen.tails.update((a.casefold(), []) for a in unread)
    since = timezone.now() - timedelta(days=TAIL_DAYS)
    rows = (
        MailRecord.objects.filter(
            direction=Direction.IN, from_address__in=unread, created_at__gte=since
        )
        .exclude(tail="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("from_address")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=learned.PREVIOUS)
        .order_by("from_address", "rank")
        .values_list("from_address", "tail")
    )
    for address, tail in rows:
        seen.tails.setdefault(address.casefold(), []).append(tail)


def _remember_stored(
    mailbox: Mailbox, record: MailRecord, customer: User | None, acknowledge: int | None
) -> None:
    """After a mail's savepoint is released: what later mails of the batch may rely on, and
    the acknowledgement to send (enqueued at once outside a batch, else with the batch)."""
    seen = _seen.get()
    if seen is None:
        if acknowledge is not None:
            from loket.mail.tasks import acknowledge_ticket

            acknowledge_ticket.enqueue(acknowledge)  # same transaction: an outbox
        return
    if acknowledge is not None:
        seen.acknowledge.append(acknowledge)
    seen.records.append(record)
    if record.message_id and record.ticket_id is not None:
        seen.threads[record.message_id] = record.ticket_id
    seen.checked_keys.add((mailbox.pk, record.dedupe_key))
    seen.stored_keys.add((mailbox.pk, record.dedupe_key))
    folded = record.from_address.casefold()
    if customer is not None and folded:
        seen.users[folded] = customer
    if record.tail and folded in seen.tails:
        seen.tails[folded] = [record.tail, *seen.tails[folded]][: learned.PREVIOUS]
    refs: list[MailReference] = getattr(record, "_loket_references", [])
    seen.new_refs.extend(refs)
    for ref in refs:
        if ref.ref in seen.checked_refs:
            seen.refs.setdefault(ref.ref, set()).add(ref.ticket_id)
    if record.opened_ticket and folded in seen.opened:
        seen.opened[folded] += 1


def _unsaved_threads() -> dict[str, int]:
    seen = _seen.get()
    return seen.threads if seen is not None else {}


def _deferring_references() -> bool:
    """In a batch, a mail's references are inserted with the batch's records."""
    return _seen.get() is not None


def _known_references(keys: list[str]) -> dict[str, set[int]] | None:
    """The tickets that referred to ``keys``, as the batch knows them (read for all of its
    mails at once, with what its own stored mails referred to); ``None`` outside a batch."""
    seen = _seen.get()
    if seen is None:
        return None
    unread = [key for key in keys if key not in seen.checked_refs]
    if unread:  # a mail the batch did not parse ahead: read now, with the batch's own
        for ref, tickets in threading.references_to(unread).items():
            seen.refs.setdefault(ref, set()).update(tickets)
        for pending in seen.new_refs:
            if pending.ref in unread:
                seen.refs.setdefault(pending.ref, set()).add(pending.ticket_id)
        seen.checked_refs.update(unread)
    return seen.refs


def _prefetch_references(seen: _Seen, parsed: Sequence[ParsedMail | None]) -> None:
    wanted = {key for m in parsed if m is not None for key in threading.referring_keys(m)}
    unread = sorted(wanted - seen.checked_refs)
    for start in range(0, len(unread), 500):
        part = unread[start : start + 500]
        for ref, tickets in threading.references_to(part).items():
            seen.refs.setdefault(ref, set()).update(tickets)
        seen.checked_refs.update(part)


def _known_threads(ids: list[str]) -> dict[str, int] | None:
    """What the batch has read already about the tickets of ``ids``; ``None``: ask."""
    seen = _seen.get()
    ids = ids[: threading.MAX_THREAD_IDS]
    if seen is None or not seen.checked_threads.issuperset(ids):
        return None
    return {mid: seen.known_threads[mid] for mid in ids if mid in seen.known_threads}


def _prefetch_threads(seen: _Seen, parsed: Sequence[ParsedMail | None]) -> None:
    """The tickets the batch's mails answer: their Message-IDs looked up in a few queries,
    and the tickets locked in one (each would otherwise be read twice per mail)."""
    wanted: dict[str, None] = {}
    for mail in parsed:
        if mail is not None:
            wanted.update(dict.fromkeys(mail.thread_ids[: threading.MAX_THREAD_IDS]))
    unread = [mid for mid in wanted if mid not in seen.checked_threads]
    for start in range(0, len(unread), 500):
        part = unread[start : start + 500]
        seen.known_threads.update(threading.ticket_ids_for(part))
        seen.checked_threads.update(part)
    answered = {
        seen.known_threads[mid]
        for mail in parsed
        if mail is not None
        for mid in mail.thread_ids[:1]
        if mid in seen.known_threads
    }
    if answered:
        locks.lock_many(answered)


def _write_records(seen: _Seen | None) -> None:
    """The batch's mail records in one INSERT. Should another importer have stored one of
    the same mails meanwhile, the unique constraint fails it and the batch rolls back whole
    (``ingest_batch`` then stores its mails one by one)."""
    if seen is not None and seen.records:
        bulk.insert(seen.records)
    if seen is not None and seen.new_refs:
        MailReference.objects.bulk_create(seen.new_refs, batch_size=500)


def _clear_quarantine(seen: _Seen | None) -> None:
    """Mails of the batch that were quarantined before and are stored now leave quarantine."""
    if seen is None:
        return
    by_mailbox: dict[int, list[str]] = {}
    for record in seen.records:
        if record.mailbox is not None and record.mailbox.quarantined_count:
            by_mailbox.setdefault(record.mailbox.pk, []).append(record.dedupe_key)
    for mailbox_pk, keys in by_mailbox.items():
        Quarantine.objects.filter(mailbox_id=mailbox_pk, dedupe_key__in=keys).delete()


def _enqueue_acknowledgements(seen: _Seen | None) -> None:
    """One task for the batch's acknowledgements, in the batch's transaction (an outbox)."""
    if seen is None or not seen.acknowledge:
        return
    from loket.mail.tasks import acknowledge_tickets

    for start in range(0, len(seen.acknowledge), 500):
        acknowledge_tickets.enqueue(seen.acknowledge[start : start + 500])


def _prefetch(
    mailbox: Mailbox, raws: Sequence[bytes], given: Sequence[ParsedMail | None]
) -> list[ParsedMail | None]:
    """Parses a batch up front and asks the database what it needs about all of it at once:
    which mails are stored already, who the senders are, how many tickets each opened in the
    last hour, how their latest mails ended, which tickets referred to them. Five queries
    instead of five per mail."""
    seen = _seen.get()
    keys = [
        mail.dedupe_key if mail is not None else quick_key(raw, _sha(raw))
        for raw, mail in zip(raws, given, strict=True)
    ]
    if seen is not None and keys:
        stored = MailRecord.objects.filter(
            mailbox=mailbox, direction=Direction.IN, dedupe_key__in=keys
        ).values_list("dedupe_key", flat=True)
        seen.stored_keys.update((mailbox.pk, key) for key in stored)
        seen.checked_keys.update((mailbox.pk, key) for key in keys)
    parsed: list[ParsedMail | None] = []
    for raw, key, ready in zip(raws, keys, given, strict=True):
        mail = ready
        if mail is None and (seen is None or (mailbox.pk, key) not in seen.stored_keys):
            with suppress(Exception):  # ``ingest`` parses it again and quarantines the failure
                mail = parse(raw)
        parsed.append(mail)
    if seen is None:
        return parsed
    senders = {m.from_address for m in parsed if m is not None and m.from_address}
    unknown = {a.casefold() for a in senders} - set(seen.users)
    if unknown:
        seen.users.update(dict.fromkeys(unknown))
        for user in User.objects.with_addresses(unknown):
            seen.users[user.email.casefold()] = user
    _prefetch_blocked(seen)
    uncounted = {a for a in senders if a.casefold() not in seen.opened}
    if uncounted:
        since = timezone.now() - timedelta(hours=1)
        seen.opened.update(dict.fromkeys((a.casefold() for a in uncounted), 0))
        counts = (
            MailRecord.objects.filter(
                direction=Direction.IN,
                opened_ticket=True,
                created_at__gte=since,
                from_address__in=uncounted,
            )
            .values("from_address")
            .annotate(n=Count("pk"))
            .values_list("from_address", "n")
        )
        for address, opened in counts:
            folded = address.casefold()
            seen.opened[folded] = seen.opened.get(folded, 0) + opened
    _prefetch_tails(seen, senders)
    _prefetch_threads(seen, parsed)
    _prefetch_references(seen, parsed)
    return parsed


def _count(mailbox: Mailbox, **fields: int) -> None:
    pending = _pending.get()
    if pending is not None and transaction.get_connection().in_atomic_block:
        # Inside ``batch()``: added up and written once, in the batch's own transaction.
        pending.setdefault(mailbox.pk, Counter()).update(fields)
        return
    Mailbox.objects.filter(pk=mailbox.pk).update(**{k: F(k) + v for k, v in fields.items()})


def _flush_counts(pending: dict[int, Counter[str]]) -> None:
    for pk, fields in pending.items():
        if fields:
            Mailbox.objects.filter(pk=pk).update(**{k: F(k) + v for k, v in fields.items()})
    pending.clear()


@contextmanager
def batch() -> Iterator[None]:
    """Stores every mail ingested inside the block in one transaction, for bulk imports.

    Each mail is one unit of work: one that fails or is quarantined rolls back alone, the
    others stay (with a savepoint per mail; ``ingest_batch`` first tries without them and,
    should a mail fail, stores the batch again with them). Exactly-once holds as before
    (the ``MailRecord`` of every stored mail commits with it), but nothing is committed until
    the block ends, so the caller acknowledges the mails only after it; a database error
    (``OperationalError``) rolls back the whole batch, which the caller then retries as a
    whole. Look-ups of configuration (default team, routing rules, SLA policy) are read once
    per batch.
    """
    if _pending.get() is not None:
        yield
        return
    pending: dict[int, Counter[str]] = {}
    token = _pending.set(pending)
    seen_token = _seen.set(_Seen())
    try:
        with memo.batch(), transaction.atomic(), locks.holding():
            with eventlog.deferred():
                yield
            _write_records(_seen.get())
            _clear_quarantine(_seen.get())
            _flush_counts(pending)
            _enqueue_acknowledgements(_seen.get())
    finally:
        _seen.reset(seen_token)
        _pending.reset(token)


BATCH_MESSAGES = 250  # per transaction: SQLite holds its write lock for about 0.3 s
BATCH_BYTES = 8 * 1048576


def chunks(
    raws: Iterable[bytes], max_messages: int = BATCH_MESSAGES, max_bytes: int = BATCH_BYTES
) -> Iterator[list[bytes]]:
    """Groups a stream of mails into batches of at most ``max_messages`` mails and (unless
    one mail alone is bigger) ``max_bytes``, so memory stays bounded."""
    chunk: list[bytes] = []
    size = 0
    for raw in raws:
        if chunk and (len(chunk) >= max_messages or size + len(raw) > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(raw)
        size += len(raw)
    if chunk:
        yield chunk


class _Redo(Exception):
    """A mail failed in a batch stored without savepoints: the batch must be redone."""


# False while a batch is stored without a savepoint per mail (``ingest_batch``).
_careful: ContextVar[bool] = ContextVar("loket_mail_careful", default=True)


@contextmanager
def _unit_of_work() -> Iterator[None]:
    """One mail's writes: rolled back alone (its savepoint), or, in a batch stored without
    savepoints, failing the batch (``_Redo``) so that it is stored again with them."""
    careful = _careful.get()
    try:
        with (
            eventlog.discarding_on_error(),
            locks.forgetting_on_error(),
            transaction.atomic(savepoint=careful),
        ):
            yield
    except (OperationalError, InterfaceError):
        raise  # the database itself: the caller's to retry
    except Exception as exc:
        if not careful:
            raise _Redo from exc
        raise
