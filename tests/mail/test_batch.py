"""Bulk import: many mails in one transaction, each in its own savepoint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _sla_fields(ticket_id: int) -> dict[str, object]:
    from loket.sla.models import TicketSla

    sla = TicketSla.objects.get(pk=ticket_id)
    return {
        f.name: getattr(sla, f.attname)
        for f in TicketSla._meta.concrete_fields
        if not f.primary_key
    }


def test_a_batch_writes_the_same_clocks_events_and_routing_as_one_by_one(desk, mailbox):
    # given an SLA policy with targets, and a routing rule for invoices
    import time_machine

    from loket.rota.models import RoutingRule
    from loket.sla.models import BusinessCalendar, Policy, Target
    from loket.tickets.models import Event, EventKind, Priority

    calendar = BusinessCalendar.objects.create(name="24/7", spec={"tz": "UTC", "24/7": True})
    policy = Policy.objects.create(name="Default", calendar=calendar)
    Target.objects.create(
        policy=policy, priority=Priority.NORMAL, first_response_minutes=60,
        next_response_minutes=30, resolution_minutes=480,
    )  # fmt: skip
    RoutingRule.objects.create(name="Invoices", keywords="invoice", team=desk.second_line)

    def mails(tag: str) -> list[bytes]:
        opening = build(message_id=f"<{tag}1@acme.test>", subject="Invoice is wrong")
        follow_up = build(
            message_id=f"<{tag}2@acme.test>", subject="Re: Invoice is wrong", body="Any news?",
            in_reply_to=f"<{tag}1@acme.test>", references=f"<{tag}1@acme.test>",
        )  # fmt: skip
        other = build(message_id=f"<{tag}3@acme.test>", subject="Banner", sender="bob@acme.test")
        return [opening, follow_up, other]

    # when the same three mails come once one by one and once as a batch, at the same moment
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        single = [ingest(raw, mailbox).ticket for raw in mails("s")]
        batched = [r.ticket for r in ingest_batch(mails("b"), mailbox)]
    # then both made the same tickets: the invoice one routed to second line, the other not
    assert [t.pk == single[0].pk for t in single] == [True, True, False]
    assert [t.pk == batched[0].pk for t in batched] == [True, True, False]
    for one, other in ((single[0], batched[0]), (single[2], batched[2])):
        one.refresh_from_db()
        other.refresh_from_db()
        assert (one.team_id, one.state, one.awaiting_reply_since) == (
            other.team_id, other.state, other.awaiting_reply_since,
        )  # fmt: skip
        # with the same clocks (due times, warnings, alarms, quiet-since) to the microsecond
        assert _sla_fields(one.pk) == _sla_fields(other.pk)
        # and the same events (in a batch, routing's come after the batch's other events of
        # the ticket: it runs when the batch's events are written, before anything commits)
        kinds = sorted(Event.objects.filter(ticket=one).values_list("kind", flat=True))
        assert kinds == sorted(Event.objects.filter(ticket=other).values_list("kind", flat=True))
    assert single[0].team_id == desk.second_line.pk
    assert single[2].team_id != desk.second_line.pk
    assert _sla_fields(batched[0].pk)["first_response_due_at"] is not None
    kinds = list(Event.objects.filter(ticket=batched[0]).values_list("kind", flat=True))
    assert kinds.count(EventKind.MESSAGE) == 2 and EventKind.TEAM in kinds


def test_a_quarantined_mail_in_a_batch_leaves_no_events_and_one_acknowledgement_task(desk, mailbox):
    from django_tasks_db.models import DBTaskResult

    from loket.tickets.models import Event

    # given a batch of two new mails and one whose ticket cannot be made (an empty subject
    # and body pass parsing, but the customer address is an agent's without authentication)
    spoofed = build(message_id="<spoof@acme.test>", sender=desk.agent.email, subject="Hi")
    raws = [build(message_id="<q1@acme.test>"), spoofed, build(message_id="<q2@acme.test>")]
    # when they are ingested as one batch
    results = ingest_batch(raws, mailbox)
    # then the rejected one left nothing, and the others have complete timelines
    assert [r.status for r in results] == ["stored", "quarantined", "stored"]
    tickets = {r.ticket.pk for r in results if r.ticket is not None}
    assert set(Event.objects.values_list("ticket_id", flat=True)) == tickets
    # and the acknowledgements were queued as one task for the batch, in its transaction
    queued = DBTaskResult.objects.filter(task_path="loket.mail.tasks.acknowledge_tickets")
    assert queued.count() == 1
    assert sorted(queued.get().args_kwargs["args"][0]) == sorted(tickets)


def test_a_mail_quarantined_before_and_stored_in_a_batch_leaves_quarantine(desk, mailbox, settings):
    # given a mail quarantined for the per-address limit of new tickets
    settings.MAIL_NEW_TICKETS_PER_HOUR = 0
    held = build(message_id="<q1@acme.test>", subject="Held back")
    assert ingest_batch([held], mailbox)[0].status == "quarantined"
    assert Quarantine.objects.filter(dedupe_key="mid:q1@acme.test").exists()
    # when the limit is raised and the mailbox is read again (with another quarantined mail)
    settings.MAIL_NEW_TICKETS_PER_HOUR = 20
    mailbox.refresh_from_db()
    broken = b"From: not an address\r\nSubject: ?\r\nMessage-ID: <q2@x.test>\r\n\r\nhi\r\n"
    results = ingest_batch([held, broken], mailbox)
    # then the mail is stored and out of quarantine; the broken one stays there
    assert [r.status for r in results] == ["stored", "quarantined"]
    assert list(Quarantine.objects.values_list("dedupe_key", flat=True)) == ["mid:q2@x.test"]


def test_a_clean_batch_is_stored_without_a_savepoint_per_mail(desk, mailbox):
    # given ten good mails, new ones and replies
    raws = [build(message_id=f"<s{i}@acme.test>", subject=f"Question {i}") for i in range(5)]
    raws += [
        build(message_id=f"<r{i}@acme.test>", subject=f"Re: Question {i}",
              in_reply_to=f"<s{i}@acme.test>", references=f"<s{i}@acme.test>")
        for i in range(5)
    ]  # fmt: skip
    # when they are stored as one batch
    with CaptureQueriesContext(connection) as queries:
        results = ingest_batch(raws, mailbox)
    # then all are stored, each reply on its ticket, and no mail paid for a savepoint
    assert [r.status for r in results] == ["stored"] * 10
    assert all(t.messages.count() == 2 for t in Ticket.objects.all())
    savepoints = [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) < 3, savepoints
