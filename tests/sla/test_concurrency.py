"""Sweeps running at the same time on several workers act on each clock once, and a sweep
never deadlocks with an agent changing the same ticket (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Sla

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite's shared in-memory test database cannot wait for row locks between "
        "threads; SKIP LOCKED is a PostgreSQL matter (SQLite serialises writers instead).",
    ),
]


def _together(*jobs: Callable[[], object]) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _urgent(desk: Desk) -> Ticket:
    return actions.create_ticket(
        subject="Down", body="Site down.", customer=desk.globex_carol, channel=Channel.EMAIL,
        by=None, priority=Priority.URGENT,
    )  # fmt: skip


def test_three_sweeps_at_once_breach_each_ticket_once(desk: Desk, sla: Sla) -> None:
    # Given 30 VIP tickets whose 10-minute first response passed
    tickets = [_urgent(desk) for _ in range(30)]
    later = timezone.now() + timedelta(minutes=11)
    # when three workers sweep at the same moment, in small batches
    errors = _together(*(lambda: sweep(later, batch=4) for _ in range(3)))
    # then each ticket has exactly one first-response breach.
    assert errors == []
    for ticket in tickets:
        kinds = Event.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACH).values_list(
            "after__clock", flat=True
        )
        assert list(kinds) == ["first_response"]


def test_a_sweep_and_an_agent_on_the_same_tickets_both_finish(desk: Desk, sla: Sla) -> None:
    tickets = [_urgent(desk) for _ in range(10)]
    later = timezone.now() + timedelta(minutes=11)

    def work() -> None:
        for ticket in tickets:
            actions.change_state(ticket, State.WAITING_THIRD_PARTY, by=desk.agent)

    errors = _together(lambda: sweep(later, batch=2), work)
    assert errors == []
    assert Ticket.objects.filter(state=State.WAITING_THIRD_PARTY).count() == 10
    # whatever the sweep skipped while the agent held a ticket, the next sweep catches up.
    sweep(later)
    assert (
        Event.objects.filter(kind=EventKind.SLA_BREACH, after__clock="first_response").count() == 10
    )
