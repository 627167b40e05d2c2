"""Two importers storing the same mail at once: the batch whose records clash rolls back
whole and stores its mails one by one, so every mail is stored exactly once.

Needs commits that another connection sees, hence PostgreSQL and ``transaction=True``.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save

from loket.mail.ingest import ingest, ingest_batch
from loket.mail.models import MailRecord
from loket.tickets.models import Event, Ticket
from tests.mail.conftest import build

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite's in-memory test database cannot hold two writers at once",
    ),
]


def test_a_batch_that_clashes_with_another_importer_stores_one_by_one(desk, mailbox):
    first = build(message_id="<clash1@acme.test>", subject="First")
    second = build(message_id="<clash2@acme.test>", subject="Second")
    other: list[str] = []
    started: list[bool] = []

    def other_importer() -> None:
        try:
            other.append(ingest(first, mailbox).status)  # its own connection and transaction
        finally:
            connections.close_all()

    def meanwhile(sender, instance, created, **kwargs) -> None:
        # while the batch writes its events (its mail records come after), another importer
        # stores the first mail and commits
        if not started and threading.current_thread() is threading.main_thread():
            started.append(True)
            thread = threading.Thread(target=other_importer)
            thread.start()
            thread.join(timeout=30)

    post_save.connect(meanwhile, sender=Event, dispatch_uid="test.clash")
    try:
        results = ingest_batch([first, second], mailbox)
    finally:
        post_save.disconnect(sender=Event, dispatch_uid="test.clash")
    # the other importer stored the first mail; the batch, redone one by one, saw it as a
    # duplicate and stored only the second: each mail once, each ticket once
    assert other == ["stored"]
    assert [r.status for r in results] == ["duplicate", "stored"]
    assert MailRecord.objects.filter(message_id="clash1@acme.test").count() == 1
    assert MailRecord.objects.filter(message_id="clash2@acme.test").count() == 1
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First", "Second"]
