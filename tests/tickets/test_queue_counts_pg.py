"""The badge counters under concurrent writers (PostgreSQL): inserting delta rows never makes
one ticket change wait for another's transaction, and folding them beside an open
transaction loses none of its rows.

Real commits seen by other connections, hence ``transaction=True``; SQLite serialises its
writers (``BEGIN IMMEDIATE``), so there is nothing concurrent to test there.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from loket.tickets import actions, queue_counts
from loket.tickets.models import Channel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _new(customer, subject: str):
    return actions.create_ticket(
        subject=subject, body="Help", customer=customer, channel=Channel.WEB, by=customer
    )


def test_a_fold_beside_an_open_transaction_keeps_its_rows(desk):
    _new(desk.acme_alice, "Before")
    inside = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                _new(desk.globex_carol, "During")  # delta rows, not yet committed
                inside.set()
                assert release.wait(timeout=30)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(timeout=30)
    # when the counters are folded while the writer's transaction is still open (the fold
    # does not wait for it: its rows are not visible, so not deleted)
    queue_counts.fold()
    release.set()
    thread.join(timeout=30)
    assert not errors
    # then after its commit every count is still right
    assert queue_counts.check() == {}
    queue_counts.fold()
    assert queue_counts.check() == {}


def test_two_writers_in_one_team_do_not_wait_for_each_other(desk):
    first_in = threading.Event()
    errors: list[BaseException] = []
    release = threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():
                _new(desk.acme_alice, "Slow")
                first_in.set()
                assert release.wait(timeout=30)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow)
    thread.start()
    assert first_in.wait(timeout=30)
    # when a second ticket in the same team and queues is made meanwhile, it completes
    # (with a lock timeout: waiting on the first writer's counter row would fail here)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        _new(desk.acme_bob, "Fast")
    release.set()
    thread.join(timeout=30)
    assert not errors
    assert queue_counts.check() == {}
