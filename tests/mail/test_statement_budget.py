"""The import's cost per mail in statements: a budget that holds however big the batch is, so
a change that adds a query per mail (or per mail and event) to the import path fails here."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.mail.ingest import ingest_batch
from tests.mail.conftest import build

# Statements per mail, everything the batch does included (its transaction, the look-ups it
# shares, events and what the other apps do with them), for a mix of new tickets and replies
# from new and known customers. Measured: 3.0 per mail at 40 mails, 2.3 at 120, with the
# reports' roll-up written once per batch (it was 8.6 while the roll-up wrote three statements
# per event), triage's settings read once per batch and the customers' learnt profiles written
# in one statement (it was 5.2 and 4.8 before); the budget leaves a little room, no more.
BUDGET = 3.4


def _mails(tag: str, count: int) -> list[bytes]:
    """Half first mails (from a dozen customers, some new, some known from earlier batches),
    half replies to an earlier mail of the same batch, as a mailbox import brings them. The
    replies end with the customer's signature (no "-- " line), learnt from their earlier
    mails (``loket.mail.learned``)."""
    raws: list[bytes] = []
    for i in range(count // 2):
        sender = f"Customer {i % 12} <c{i % 12}@acme.test>"
        first = f"<{tag}-{i}@acme.test>"
        signature = f"Customer {i % 12}\nAcme B.V., purchasing"
        raws.append(build(sender=sender, message_id=first, subject=f"Question {tag} {i}"))
        raws.append(
            build(
                sender=sender, message_id=f"<{tag}-{i}-re@acme.test>",
                subject=f"Re: Question {tag} {i}",
                body=f"One more thing about it ({i}).\n\n{signature}",
                in_reply_to=first, references=first,
            )
        )  # fmt: skip
    return raws


def _per_mail(raws: list[bytes], mailbox, learns: bool = True) -> float:
    with CaptureQueriesContext(connection) as queries:
        results = ingest_batch(raws, mailbox)
    assert [r.status for r in results] == ["stored"] * len(raws)
    learnt = [r.record.signature for r in results if r.record.signature]
    assert bool(learnt) == learns, "the mix no longer covers learning signatures"
    return len(queries.captured_queries) / len(raws)


def test_statements_per_imported_mail_stay_within_budget_and_do_not_grow_with_the_batch(
    desk, mailbox
):
    # given a warm import (the first batch reads what every later one finds remembered)
    _per_mail(_mails("warm", 10), mailbox, learns=False)
    # when a small and a three times bigger batch of the same mix are imported
    small = _per_mail(_mails("small", 40), mailbox)
    big = _per_mail(_mails("big", 120), mailbox)
    # then each stays within the budget per mail, and the bigger batch costs no more per mail
    print(f"statements per mail: {small:.2f} (40 mails), {big:.2f} (120 mails)")
    assert small <= BUDGET, small
    assert big <= BUDGET, big
    assert big <= small + 0.05, (small, big)
