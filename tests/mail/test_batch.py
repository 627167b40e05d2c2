"""Bulk import: many mails in one transaction, each in its own savepoint."""

from __future__ import annotations

import pytest

from loket.mail.ingest import batch, chunks, ingest, ingest_batch
from loket.mail.models import MailRecord, Quarantine
from loket.tickets.models import Ticket
from tests.mail.conftest import build


def test_a_batch_keeps_exactly_once_and_quarantines_one_mail_alone(desk, mailbox, settings):
    # given a batch with a new mail, a mail without a sender, a second copy of the first, a
    # reply to the first, and a mail over the per-address limit of new tickets
    settings.MAIL_NEW_TICKETS_PER_HOUR = 1
    first = build(message_id="<b1@acme.test>", subject="Banner gone")
    broken = b"From: not an address\r\nSubject: ???\r\nMessage-ID: <bad@x.test>\r\n\r\nhi\r\n"
    reply = build(
        message_id="<b2@acme.test>", subject="Re: Banner gone", body="It is back, thanks.",
        in_reply_to="<b1@acme.test>", references="<b1@acme.test>",
    )  # fmt: skip
    flood = build(message_id="<b3@acme.test>", subject="Another thing")
    # when they are ingested as one batch
    results = ingest_batch([first, broken, first, reply, flood], mailbox)
    # then each mail has its own outcome, and the failures rolled back nothing of the others
    assert [r.status for r in results] == [
        "stored", "quarantined", "duplicate", "stored", "quarantined",
    ]  # fmt: skip
    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2  # the reply found the uncommitted first mail
    assert MailRecord.objects.count() == 2 and Quarantine.objects.count() == 2
    # and the mailbox counts, written once per batch, are right
    mailbox.refresh_from_db()
    assert (mailbox.stored_count, mailbox.duplicate_count, mailbox.quarantined_count) == (2, 1, 2)
    # and the same batch again stores nothing twice
    again = ingest_batch([first, reply], mailbox)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert Ticket.objects.get().messages.count() == 2


def test_a_batch_that_fails_as_a_whole_leaves_nothing(desk, mailbox):
    # given a batch whose caller fails after two mails were ingested in it
    with pytest.raises(RuntimeError), batch():
        assert ingest(build(message_id="<c1@acme.test>"), mailbox).status == "stored"
        assert ingest(build(message_id="<c2@acme.test>"), mailbox).status == "stored"
        raise RuntimeError("the database went away")
    # then nothing of it was committed, counts included, so a retry stores both once
    mailbox.refresh_from_db()
    assert MailRecord.objects.count() == 0 and Ticket.objects.count() == 0
    assert mailbox.stored_count == 0
    results = ingest_batch(
        [build(message_id="<c1@acme.test>"), build(message_id="<c2@acme.test>")], mailbox
    )
    assert [r.status for r in results] == ["stored", "stored"]


def test_chunks_bound_messages_and_bytes():
    # given limits of 3 mails and 10 bytes per batch, when a stream is cut into batches
    cut = list(chunks([b"a", b"b", b"c", b"d", b"123456789", b"x" * 20, b"e"], 3, 10))
    # then no batch exceeds either limit, except a single mail bigger than the byte limit
    assert cut == [[b"a", b"b", b"c"], [b"d", b"123456789"], [b"x" * 20], [b"e"]]
