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
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.core.files.storage import default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.mail import conf
from loket.mail.apply import Rejected, _apply
from loket.mail.batching import (
    BATCH_BYTES,
    BATCH_MESSAGES,
    _already_stored,
    _careful,
    _count,
    _drop_unused_raw,
    _prefetch,
    _Redo,
    _remember_stored,
    _seen,
    _unit_of_work,
    batch,
    chunks,
)
from loket.mail.content import Content, content_of
from loket.mail.models import (
    Direction,
    Mailbox,
    MailRecord,
    Outcome,
    Quarantine,
)
from loket.mail.parse import ParsedMail, parse
from loket.mail.rawstore import _sha, quick_key, raw_name, store_raw, write_raw
from loket.tickets.models import Ticket

__all__ = [
    "BATCH_BYTES",
    "BATCH_MESSAGES",
    "Rejected",
    "Result",
    "Status",
    "batch",
    "chunks",
    "discard",
    "ingest",
    "ingest_batch",
    "quarantine",
    "quick_key",
    "raw_name",
    "retry",
    "store_raw",
    "write_raw",
]

log = logging.getLogger(__name__)

Status = Literal["stored", "duplicate", "quarantined"]


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
    if mail.over_limit:
        # Too big a header or too many addresses to read in bounded time: kept, not read.
        item = quarantine(
            mailbox, raw, mail.over_limit, key=key, sha256=sha256, subject=mail.subject,
            from_address=mail.from_address, uid=uid,
        )  # fmt: skip
        return Result("quarantined", quarantine=item, reason=mail.over_limit)
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
