"""A bulk import keeps the reports' roll-up equal to the raw rows: the batch's events, written
together, reach the roll-up together (one INSERT of deltas per batch), SLA clocks included."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.mail.ingest import ingest_batch
from loket.reports import tally
from loket.reports.facts import M
from loket.reports.models import TicketFacts
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.tickets.models import Priority, Ticket
from tests.mail.test_statement_budget import _mails

ALWAYS = {"tz": "UTC", "24/7": True}


def test_a_bulk_import_keeps_the_roll_up_equal_to_the_raw_rows(desk, mailbox):
    # given a desk with an SLA policy (every clock running from a new ticket on)
    policy = Policy.objects.create(
        name="Standard", calendar=BusinessCalendar.objects.create(name="24/7", spec=ALWAYS)
    )
    Target.objects.create(
        policy=policy, priority=Priority.NORMAL, first_response_minutes=60,
        next_response_minutes=120, resolution_minutes=480,
    )  # fmt: skip
    # and mails imported in two batches (the second one answers tickets of the first)
    ingest_batch(_mails("one", 20), mailbox)
    # when the next batch is imported
    raws = _mails("two", 30)
    with CaptureQueriesContext(connection) as queries:
        results = ingest_batch(raws, mailbox)
    assert [r.status for r in results] == ["stored"] * len(raws)
    # then its deltas went in with one INSERT (the batch's events summed per key)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "reports_tally"')]
    assert len(inserts) == 1
    # and the roll-up and every ticket's facts equal a recomputation from the raw rows
    assert tally.differences() == []
    assert TicketFacts.objects.count() == Ticket.objects.count() == 25
    # the tickets' first-response clocks are running (written in bulk by the SLA app)
    rolled: Counter[int] = Counter()
    for key, n in tally.rolled_up().items():
        if key[1] == M.SLA:
            rolled[key[2]] += n
    assert rolled[0 * 10 + 3] == 25
