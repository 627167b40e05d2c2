"""Bulk import with parsing workers: what they write ahead of storing must not outlive a copy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files.storage import default_storage

from loket.mail.ingest import ingest_batch, raw_name
from loket.mail.models import MailRecord
from loket.mail.pipeline import prepare, prepared_batches
from loket.tickets.models import Ticket
from tests.mail.conftest import build


def _file(raw: bytes) -> Path:
    return Path(default_storage.path(raw_name(hashlib.sha256(raw).hexdigest())))


def _import(raws: list[bytes], mailbox, workers: int = 1) -> list[str]:
    statuses = []
    for chunk, prepared in prepared_batches([raws], workers):
        statuses += [r.status for r in ingest_batch(chunk, mailbox, prepared=prepared)]
    return statuses


def test_workers_store_mails_in_order_and_the_raw_bytes_they_wrote(desk, mailbox):
    # given a first mail and a reply to it, parsed by a worker process
    first = build(message_id="<p1@acme.test>", subject="Invoice missing")
    reply = build(
        message_id="<p2@acme.test>", subject="Re: Invoice missing", body="Found it.",
        in_reply_to="<p1@acme.test>", references="<p1@acme.test>",
    )  # fmt: skip
    # when they are imported
    assert _import([first, reply], mailbox) == ["stored", "stored"]
    # then the reply joined the ticket, and each record points at its bytes on disk
    assert Ticket.objects.get().messages.count() == 2
    for record in MailRecord.objects.all():
        assert Path(default_storage.path(record.raw.name)).read_bytes() in (first, reply)


def test_a_copy_with_other_bytes_leaves_no_raw_file(desk, mailbox):
    # given a stored mail
    original = build(message_id="<copy@acme.test>", body="The first words.")
    assert _import([original], mailbox) == ["stored"]
    # when another mail with the same Message-ID but other bytes comes through the workers
    # (a re-sent copy with other headers), alone and in the same batch as a new mail
    copy = build(message_id="<copy@acme.test>", body="Other words, same Message-ID.")
    assert _file(copy) != _file(original)
    other = build(message_id="<new@acme.test>")
    assert _import([copy, other], mailbox) == ["duplicate", "stored"]
    # then the copy's file, written by a worker before it was known to be a copy, is gone,
    # and the stored mails keep theirs
    assert not _file(copy).exists()
    assert _file(original).exists() and _file(other).exists()


def test_a_raw_file_shared_with_a_mail_stored_earlier_in_the_batch_is_kept(desk, mailbox):
    # given the same mail twice in one batch, prepared by two workers, where the second
    # worker happened to write the file (its record will point at the first one's file)
    raw = build(message_id="<twice@acme.test>")
    one, two = prepare(raw), prepare(raw)
    assert one is not None and two is not None
    one[0].raw_created, two[0].raw_created = False, True
    # when the batch is stored
    results = ingest_batch([raw, raw], mailbox, prepared=[one, two])
    # then the second is a copy, and the file the first one's record points at stays
    assert [r.status for r in results] == ["stored", "duplicate"]
    record = MailRecord.objects.get()
    assert Path(default_storage.path(record.raw.name)).read_bytes() == raw
