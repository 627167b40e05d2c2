"""Two people changing one ticket at the same moment both keep their change.

Actions lock the ticket row (``select_for_update``) and write only the fields they are about,
so neither a field nor the version counter is lost. These tests need real commits seen by
other connections, hence ``transaction=True``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from loket.tickets import actions
from loket.tickets.models import Event, EventKind, Priority, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason=(
            "SQLite's in-memory test database is shared between threads through its shared "
            "cache, which locks whole tables and fails at once ('database table is locked') "
            "instead of waiting; SQLite files serialise writers with BEGIN IMMEDIATE instead. "
            "Row locking is tested on PostgreSQL."
        ),
    ),
]


def _run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Starts every job at the same moment on its own thread (and database connection)."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=10)
            job()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_priority_and_assignee_changed_at_once_both_stay(desk, acme_ticket):
    # given one ticket object, read by two agents before either changes it
    stale = Ticket.objects.get(pk=acme_ticket.pk)
    version = stale.version
    # when one raises the priority while the other assigns it, at the same moment
    errors = _run_together(
        lambda: actions.set_priority(stale, Priority.URGENT, by=desk.agent),
        lambda: actions.assign(stale, desk.tech, by=desk.manager),
    )
    # then both changes are there, each with its event, and the version counted both
    assert errors == []
    fresh = Ticket.objects.get(pk=acme_ticket.pk)
    assert (fresh.priority, fresh.assignee_id) == (Priority.URGENT, desk.tech.pk)
    assert fresh.version == version + 2
    kinds = set(Event.objects.filter(ticket=fresh).values_list("kind", flat=True))
    assert {EventKind.PRIORITY, EventKind.ASSIGNEE} <= kinds


def _second_during_first(
    first: Callable[[], None], second: Callable[[], None]
) -> list[BaseException]:
    """Runs ``first`` in a transaction that stays open a while after it is done (as when a form
    saves several fields in one transaction) and starts ``second`` in that window."""
    first_done = threading.Event()

    def hold() -> None:
        with transaction.atomic():
            first()
            first_done.set()
            time.sleep(0.5)

    def then() -> None:
        if not first_done.wait(timeout=10):
            raise TimeoutError("the first change never happened")
        second()

    return _run_together(hold, then)


def test_change_during_another_open_change_waits_and_loses_nothing(desk, acme_ticket):
    # given a ticket read by two agents before either changes it
    stale = Ticket.objects.get(pk=acme_ticket.pk)
    version = stale.version
    events = Event.objects.filter(ticket=stale).count()
    # when one saves a priority in a transaction still open while the other assigns
    errors = _second_during_first(
        lambda: actions.set_priority(stale, Priority.HIGH, by=desk.agent),
        lambda: actions.assign(stale, desk.tech, by=desk.manager),
    )
    # then the second waited for the first: both changes, both events, both versions
    assert errors == []
    fresh = Ticket.objects.get(pk=acme_ticket.pk)
    assert (fresh.priority, fresh.assignee_id) == (Priority.HIGH, desk.tech.pk)
    assert fresh.version == version + 2
    assert Event.objects.filter(ticket=fresh).count() == events + 2


def test_two_replies_at_once_assign_only_one_agent(desk, acme_ticket):
    # given an unassigned ticket with a waiting message
    stale = Ticket.objects.get(pk=acme_ticket.pk)
    # when two agents reply at the same time (the first one's transaction still open)
    errors = _second_during_first(
        lambda: actions.reply(stale, body="From Anna", by=desk.agent),
        lambda: actions.reply(stale, body="From Eva", by=desk.admin),
    )
    # then both replies are there, nothing waits, and only the first became the assignee
    assert errors == []
    fresh = Ticket.objects.get(pk=acme_ticket.pk)
    assert fresh.awaiting_reply_since is None
    assert fresh.messages.filter(kind="reply").count() == 2
    assert fresh.assignee_id == desk.agent.pk
    assert Event.objects.filter(ticket=fresh, kind=EventKind.ASSIGNEE).count() == 1
