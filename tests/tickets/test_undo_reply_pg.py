"""Undo and the worker at the same moment, on PostgreSQL: two connections, the worker's real
claim (``SELECT … FOR UPDATE SKIP LOCKED`` then RUNNING) and Undo's conditional delete.

The interleaving is forced with events, not sleeps: the worker's claim transaction holds the
task row until the test has seen (in ``pg_locks``) that Undo's statement waits for it; or
Undo's transaction holds the row while the worker looks for work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs.heartbeat import Heartbeat
from loket.jobs.worker import Worker
from loket.tickets import actions
from loket.tickets.actions import ActionError
from loket.tickets.models import Event, EventKind, Message

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between two connections: PostgreSQL (SQLite's in-memory test "
        "database cannot be shared by threads; its IMMEDIATE transactions serialise anyway, "
        "tested in test_undo_reply.py)",
    ),
]

RELEASE = "loket.tickets.tasks.release_reply"


def _in_thread(job: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    out: list[object] = []

    def run() -> None:
        try:
            out.append(job())
        except BaseException as exc:  # reported to the test
            out.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _someone_waits_for_a_lock(done: threading.Event) -> None:
    """Returns once another backend of this database waits for a lock (the event, seen)."""
    with connections["default"].cursor() as cursor:
        while not done.is_set():
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            done.wait(0.01)
    raise AssertionError("nobody waited")


def _held(desk, ticket) -> Message:
    reply = actions.reply(ticket, body="Fixed.", by=desk.agent, hold=30, source="Fixed.")
    # the worker's clock is ahead of the web server's: the release is due for it already
    DBTaskResult.objects.filter(pk=reply.release_task_id).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    DBTaskResult.objects.exclude(task_path=RELEASE).update(status=TaskResultStatus.SUCCESSFUL)
    return reply


def test_undo_waiting_on_a_claim_in_progress_is_refused(desk, acme_ticket):
    reply = _held(desk, acme_ticket)
    locked, release_claim, gave_up = threading.Event(), threading.Event(), threading.Event()

    def worker_claims() -> str:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            assert row is not None
            locked.set()
            release_claim.wait(30)
            row.claim("test-worker")
        return str(row.pk)

    worker, claimed = _in_thread(worker_claims)
    assert locked.wait(30)
    undo, undone = _in_thread(lambda: actions.undo_reply(reply, by=desk.agent))
    try:
        _someone_waits_for_a_lock(gave_up)  # Undo's delete waits for the claim's row lock
    finally:
        release_claim.set()
    worker.join(30)
    undo.join(30)
    gave_up.set()
    assert claimed == [str(reply.release_task_id)]
    assert len(undone) == 1 and isinstance(undone[0], ActionError)
    row = DBTaskResult.objects.get(pk=reply.release_task_id)
    assert row.status == TaskResultStatus.RUNNING
    assert Message.objects.filter(pk=reply.pk, held_until__isnull=False).exists()


def test_a_worker_looking_while_undo_holds_the_row_finds_nothing(desk, acme_ticket):
    reply = _held(desk, acme_ticket)
    deleted, commit = threading.Event(), threading.Event()

    def undo_holding() -> int:
        with transaction.atomic():
            n, _rows = DBTaskResult.objects.filter(
                pk=reply.release_task_id, status=TaskResultStatus.READY
            ).delete()
            deleted.set()
            commit.wait(30)
            transaction.set_rollback(True)  # the real undo runs after; this only holds
        return n

    holder, held = _in_thread(undo_holding)
    assert deleted.wait(30)
    worker = Worker(Heartbeat(queues=["*"]))
    try:
        assert worker._claim() is None  # SKIP LOCKED: the row is Undo's
    finally:
        commit.set()
        holder.join(30)
    assert held == [1]
    # the real Undo now wins outright, and nothing is left to claim
    actions.undo_reply(reply, by=desk.agent)
    assert worker._claim() is None
    assert not Event.objects.filter(message_id=reply.pk, kind=EventKind.MESSAGE).exists()
    assert Event.objects.filter(ticket=acme_ticket, kind=EventKind.REPLY_UNDONE).count() == 1
