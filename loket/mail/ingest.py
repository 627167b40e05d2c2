"""Stores one received mail exactly once, as a ticket message, or quarantines it.

Exactly once: the ``MailRecord`` row with the mailbox's dedupe key (Message-ID, or a hash of
the bytes when there is none) is inserted first, in the same transaction as the ticket and
message it leads to. A second copy, from a re-fetch, a restarted import or another route,
hits the unique constraint and is a no-op. A crash before commit leaves nothing behind but
the raw file, which is content-addressed and reused on the next try.

Every other failure rolls back that mail alone and quarantines it with its raw bytes and the
reason; the caller goes on with the next mail. Only when even the quarantine cannot be
written (the database is down) does the error reach the caller, which then must not
acknowledge the mail (IMAP: the UID does not advance; SMTP: a temporary 4xx).
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from threading import get_ident as threading_ident
from typing import Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.actions import register_customer
from loket.accounts.models import STAFF_ROLES, User
from loket.lib import bulk, memo
from loket.lib.files import AttachmentRejected, check_size
from loket.mail import conf, loops, threading
from loket.mail.auth import authenticate, sender_unverified
from loket.mail.content import Content, content_of
from loket.mail.models import (
    AuthResult,
    BouncedAddress,
    Delivery,
    Direction,
    Mailbox,
    MailRecord,
    Outcome,
    Quarantine,
)
from loket.mail.parse import ParsedMail, message_ids, parse
from loket.tickets import actions, eventlog, locks
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Channel, Message, State, Ticket

log = logging.getLogger(__name__)

Status = Literal["stored", "duplicate", "quarantined"]


class Rejected(Exception):
    """A mail Loket will not turn into a ticket message; the text is the quarantine reason."""


@dataclass
class Result:
    status: Status
    record: MailRecord | None = None
    quarantine: Quarantine | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ticket(self) -> Ticket | None:
        if self.record is None:
            return None
        if self.record.ticket_message is not None:
            return self.record.ticket_message.ticket
        return self.record.ticket


def raw_name(sha256: str) -> str:
    """Where a mail's bytes go: 256 folders, as git keeps its objects (a folder per mail
    pair of hex digits more would mostly hold one file each and cost a directory each).
    Mail stored under an earlier layout keeps its name: records hold the name itself."""
    return f"mail/raw/{sha256[:2]}/{sha256}.eml"


def store_raw(raw: bytes, sha256: str) -> str:
    """Content-addressed, so writing the same mail twice (after a crash) is harmless."""
    return write_raw(raw, sha256)[0]


def write_raw(raw: bytes, sha256: str) -> tuple[str, bool]:
    """``store_raw``, also telling whether the file is new (not there before)."""
    name = raw_name(sha256)
    if isinstance(default_storage, FileSystemStorage):
        return name, _store_file(Path(default_storage.path(name)), raw)
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(raw)), True


def _store_file(path: Path, raw: bytes) -> bool:
    """On local disk: written under a temporary name and renamed, so a reader (or a crash)
    never sees half a file; a second writer of the same bytes just replaces it."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading_ident()}.tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, path)
    return True


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


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID_LINE = re.compile(
    rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)


def quick_key(raw: bytes, sha256: str) -> str:
    """The dedupe key from the header block alone, to skip known mail without parsing it.

    Only a shortcut: when it differs from what ``parse`` finds, the full check decides.
    """
    end = _HEADER_END.search(raw, 0, 256_000)
    head = raw[: end.start()] if end else raw[:256_000]
    found = _MESSAGE_ID_LINE.search(head)
    if found:
        ids = message_ids(found.group(1).decode("utf-8", "replace"))
        if ids:
            return "mid:" + ids[0][:240]
    return "sha:" + sha256


def _sha(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


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
    if record.opened_ticket and folded in seen.opened:
        seen.opened[folded] += 1


def _unsaved_threads() -> dict[str, int]:
    seen = _seen.get()
    return seen.threads if seen is not None else {}


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
    last hour. Three queries instead of three per mail."""
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
    _prefetch_threads(seen, parsed)
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


def quarantine(
    mailbox: Mailbox,
    raw: bytes,
    reason: str,
    *,
    key: str = "",
    sha256: str = "",
    subject: str = "",
    from_address: str = "",
    uid: tuple[int, int] | None = None,
) -> Quarantine:
    sha256 = sha256 or _sha(raw)
    key = key or "sha:" + sha256
    name = store_raw(raw, sha256)
    now = timezone.now()
    with transaction.atomic():
        item, created = Quarantine.objects.get_or_create(
            mailbox=mailbox,
            dedupe_key=key,
            defaults={
                "raw": name,
                "raw_sha256": sha256,
                "size": len(raw),
                "subject": subject[:500],
                "from_address": from_address[:320],
                "reason": reason,
                "imap_uidvalidity": uid[0] if uid else None,
                "imap_uid": uid[1] if uid else None,
            },
        )
        if not created:
            Quarantine.objects.filter(pk=item.pk).update(
                attempts=F("attempts") + 1, last_attempt_at=now, reason=reason
            )
            item.refresh_from_db()
        else:
            _count(mailbox, quarantined_count=1)
    log.warning("mail quarantined in %s: %s", mailbox, reason.splitlines()[0] if reason else "")
    return item


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


def ingest_batch(
    raws: Sequence[bytes],
    mailbox: Mailbox,
    *,
    uids: Sequence[tuple[int, int] | None] | None = None,
    prepared: Sequence[tuple[ParsedMail, Content] | None] | None = None,
) -> list[Result]:
    """``ingest`` of every mail in one transaction (see ``batch``); all or none committed.
    ``uids``: each mail's IMAP UIDVALIDITY and UID, when it came from IMAP; ``prepared``: the
    mails already parsed, with their content (``loket.mail.pipeline``)."""
    where = list(uids) if uids is not None else [None] * len(raws)
    ready = list(prepared) if prepared is not None else [None] * len(raws)
    owner = _seen.get() is None
    if owner:
        # First without a savepoint per mail (they cost a quarter of the storing time): any
        # mail that fails rolls the whole batch back, and it is stored again with savepoints, where
        # that mail alone is rolled back and quarantined.
        token = _careful.set(False)
        try:
            return _store_batch(raws, mailbox, where, ready)
        except _Redo:
            log.info("a mail of the batch failed; storing the batch again mail by mail")
        except IntegrityError:
            log.info("mail batch clashed with another importer; storing it again")
        finally:
            _careful.reset(token)
    try:
        return _store_batch(raws, mailbox, where, ready)
    except IntegrityError:
        if not owner:
            raise  # inside someone else's batch: theirs to roll back and retry
        # Another importer stored some of these mails while this batch ran (its records
        # clashed when written): nothing of the batch remains; store them one by one.
        log.info("mail batch clashed with another importer; storing one by one")
        return [ingest(raw, mailbox, uid=uid) for raw, uid in zip(raws, where, strict=True)]


def _store_batch(
    raws: Sequence[bytes],
    mailbox: Mailbox,
    where: Sequence[tuple[int, int] | None],
    ready: Sequence[tuple[ParsedMail, Content] | None],
) -> list[Result]:
    with batch():
        parsed = _prefetch(mailbox, raws, [p[0] if p else None for p in ready])
        return [
            ingest(raw, mailbox, uid=uid, parsed=mail, content=p[1] if p else None)
            for raw, mail, uid, p in zip(raws, parsed, where, ready, strict=True)
        ]


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


def ingest(
    raw: bytes,
    mailbox: Mailbox,
    *,
    uid: tuple[int, int] | None = None,
    parsed: ParsedMail | None = None,
    content: Content | None = None,
) -> Result:
    """Stores one mail; never raises for anything in the mail itself. ``parsed`` and
    ``content``: the mail already parsed by the caller (``ingest_batch``)."""
    sha256 = parsed.sha256 if parsed is not None else _sha(raw)
    if len(raw) > conf.max_message_bytes():
        reason = _("The mail is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": round(len(raw) / 1048576, 1),
            "limit": conf.max_message_bytes() // 1048576,
        }
        return Result("quarantined", quarantine=quarantine(mailbox, raw, reason, uid=uid))
    quick = parsed.dedupe_key if parsed is not None else quick_key(raw, sha256)
    if _already_stored(mailbox, quick):
        _count(mailbox, duplicate_count=1)  # known already: not even parsed again
        _drop_unused_raw(parsed)
        return Result("duplicate")
    try:
        mail = parsed if parsed is not None else parse(raw)
    except Exception as exc:  # parse() promises not to raise; this is the last line of defence
        reason = _("parse failed: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        return Result("quarantined", quarantine=quarantine(mailbox, raw, reason, uid=uid))
    key = mail.dedupe_key
    if key != quick and _already_stored(mailbox, key):
        _count(mailbox, duplicate_count=1)
        _drop_unused_raw(mail)
        return Result("duplicate")
    name = mail.raw_name or store_raw(raw, sha256)
    if content is None:
        content = _content_ahead(mail)
    try:
        with _unit_of_work():
            record = MailRecord(
                mailbox=mailbox,
                direction=Direction.IN,
                dedupe_key=key,
                message_id=mail.message_id[:500],
                in_reply_to=" ".join(mail.in_reply_to)[:5000],
                references=" ".join(mail.references)[:20000],
                outcome=Outcome.MESSAGE,
                subject=mail.subject[:500],
                from_address=mail.from_address[:320],
                from_name=mail.sender.name if mail.sender else "",
                recipients=[a.address for a in [*mail.to, *mail.cc]][:100],
                raw=name,
                raw_sha256=sha256,
                size=len(raw),
                defects=mail.defects[:100],
                imap_uidvalidity=uid[0] if uid else None,
                imap_uid=uid[1] if uid else None,
            )
            notes, customer, acknowledge = _apply(mail, record, mailbox, content)
            if _seen.get() is None:
                # Inserted last, in the same transaction as everything it led to: a second
                # copy fails here on the unique constraint and all of its work is rolled back.
                record.save(force_insert=True)
            # In a batch the records are inserted together when it ends (``_write_records``),
            # still in its transaction; copies within the batch are caught by its keys.
            if mailbox.quarantined_count and _seen.get() is None:
                # It may have failed before and is fine now (a batch clears them together).
                Quarantine.objects.filter(mailbox=mailbox, dedupe_key=key).delete()
            _count(mailbox, stored_count=1)
        _remember_stored(mailbox, record, customer, acknowledge)
    except _Redo:
        raise
    except IntegrityError:
        if MailRecord.objects.filter(
            mailbox=mailbox, direction=Direction.IN, dedupe_key=key
        ).exists():
            _count(mailbox, duplicate_count=1)
            _drop_unused_raw(mail)
            return Result("duplicate")
        reason = _("database refused the mail:") + "\n" + traceback.format_exc(limit=3)
        item = quarantine(
            mailbox, raw, reason, key=key, sha256=sha256, subject=mail.subject,
            from_address=mail.from_address, uid=uid,
        )  # fmt: skip
        return Result("quarantined", quarantine=item, reason=reason)
    except (OperationalError, InterfaceError):
        raise  # the database is unwell, not the mail: the caller retries later
    except Rejected as exc:
        item = quarantine(
            mailbox, raw, str(exc), key=key, sha256=sha256, subject=mail.subject,
            from_address=mail.from_address, uid=uid,
        )  # fmt: skip
        return Result("quarantined", quarantine=item, reason=str(exc))
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=5)
        item = quarantine(
            mailbox, raw, reason, key=key, sha256=sha256, subject=mail.subject,
            from_address=mail.from_address, uid=uid,
        )  # fmt: skip
        return Result("quarantined", quarantine=item, reason=reason)
    return Result("stored", record=record, notes=notes)


def _content_ahead(mail: ParsedMail) -> Content | None:
    """What the agent sees of the mail, worked out before the transaction opens (sanitising
    and language detection need no database, and would hold the write lock); as in
    ``loket.mail.pipeline``. ``None`` if it fails: ``_apply`` repeats it and the mail is
    quarantined with the reason."""
    try:
        content = content_of(mail)
        if not mail.thread_ids:
            _ = content.language
    except Exception:
        return None
    return content


# ---------------------------------------------------------------------------------------------


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


def _body(content: Content, mail: ParsedMail, notes: list[str]) -> str:
    body = content.visible or mail.text.strip()
    if not body.strip():
        body = _("(no text)")
    if notes:
        body += "\n\n" + "\n".join(f"[{n}]" for n in notes)
    return body


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
    ticket, _how = threading.find_ticket(
        mail, sender, _unsaved_threads(), _known_threads(mail.thread_ids)
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
        message = actions.add_note(
            ticket,
            body=_body(content, mail, notes),
            by=known,
            attachments=_attachments(mail, notes),
        )
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

    ui_languages = {code for code, _name in settings.LANGUAGES}
    customer = sender or register_customer(
        sender_address,
        display_name=mail.sender.name if mail.sender else "",
        language=content.language if content.language in ui_languages else "",
        unknown=known is None and _seen.get() is not None,
    )
    attachments = _attachments(mail, notes)
    body = _body(content, mail, notes)
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
    return notes, customer, acknowledge


def retry(item: Quarantine) -> Result:
    """Runs a quarantined mail through ingest again (the admin's "retry")."""
    with item.raw.open("rb") as handle:
        raw = handle.read()
    result = ingest(raw, item.mailbox, uid=None)
    if result.status != "quarantined":
        Quarantine.objects.filter(pk=item.pk).delete()
    return result


def discard(item: Quarantine) -> None:
    """Deletes a quarantined mail and, if nothing else refers to them, its raw bytes."""
    name = item.raw.name
    item.delete()
    if (
        name
        and not Quarantine.objects.filter(raw=name).exists()
        and not MailRecord.objects.filter(raw=name).exists()
    ):
        default_storage.delete(name)
