"""The queue around django-tasks: scheduler slots, retries with backoff, stale-task sweep."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.db import InterfaceError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs import scheduler
from loket.jobs.models import ScheduledJob
from loket.jobs.tasks import queue_depths, requeue_stale_tasks
from tests.jobs import tasks_for_tests


@pytest.fixture
def one_job(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        scheduler,
        "PERIODIC",
        [scheduler.Periodic("sweep", "loket.jobs.tasks.requeue_stale_tasks", 60)],
    )
    scheduler.ensure_jobs()


def test_a_due_job_is_enqueued_once_however_often_workers_tick(one_job: None) -> None:
    # given a job that is due now, when three workers tick at the same moment
    runs = scheduler.tick() + scheduler.tick() + scheduler.tick()
    # then exactly one run is queued, and the next slot is an interval later
    assert runs == 1
    assert DBTaskResult.objects.filter(task_path__endswith="requeue_stale_tasks").count() == 1
    job = ScheduledJob.objects.get(name="sweep")
    assert job.next_run_at > timezone.now() + timedelta(seconds=50)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert scheduler.tick() == 1


def test_a_failing_task_is_retried_with_backoff_then_fails(db: None) -> None:
    tasks_for_tests.CALLS.clear()
    # when the task fails on its first attempt, it is queued again for later, not raised
    assert tasks_for_tests.flaky.call(7) is None
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs == {"args": [7], "kwargs": {"attempt": 1}}
    assert retry.run_after > timezone.now() + timedelta(seconds=5)
    # and on its last attempt the failure is raised so the result records it
    with pytest.raises(RuntimeError):
        tasks_for_tests.flaky.call(7, attempt=2)
    assert tasks_for_tests.CALLS == [7, 7]


def test_a_task_that_loses_the_database_is_not_retried_by_itself(db: None) -> None:
    # (the worker gives it back to the queue and runs it again once the database answers:
    # tests/jobs/test_worker_survives.py; queuing a retry would fail the same way)
    tasks_for_tests.CALLS.clear()
    with pytest.raises(InterfaceError):
        tasks_for_tests.loses_the_database.call(3)
    assert DBTaskResult.objects.count() == 0
    assert tasks_for_tests.CALLS == [3]


def test_tasks_left_running_by_a_killed_worker_are_requeued(db: None) -> None:
    tasks_for_tests.flaky.enqueue(1)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )
    assert requeue_stale_tasks.call() == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    assert queue_depths()["default"]["ready"] == 1


def test_backoff_doubles_up_to_its_cap_with_jitter_and_starts_over() -> None:
    from loket.lib.backoff import Backoff

    backoff = Backoff(base=0.5, cap=30.0)
    delays = [backoff.failed() for _ in range(10)]
    ceilings = [min(30.0, 0.5 * 2**i) for i in range(10)]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 30.0 and delays[-1] >= 15.0
    assert backoff.succeeded() == 10
    assert backoff.failed() <= 0.5


def test_the_supervisor_restarts_a_crashing_child_with_growing_delays(tmp_path) -> None:
    import sys
    import time

    from loket.lib.supervisor import Supervisor

    # given a child that notes when it started and exits with an error at once
    starts = tmp_path / "starts"
    note = f"import time; open({str(starts)!r}, 'a').write(f'{{time.monotonic()}}\\n'); exit(3)"
    supervisor = Supervisor([("quitter", [sys.executable, "-c", note])])
    supervisor.start()
    try:
        deadline = time.monotonic() + 120
        while not starts.exists() or len(starts.read_text().split()) < 4:
            assert time.monotonic() < deadline, "the child was not started again three times"
            time.sleep(0.05)
    finally:
        supervisor.stop()
    # then each restart waited about twice as long as the one before (1 s, 2 s, 4 s, jittered)
    times = [float(t) for t in starts.read_text().split()]
    gaps = [b - a for a, b in itertools.pairwise(times[:4])]
    assert gaps[0] >= 0.5 and gaps[1] >= 1.0 and gaps[2] >= 2.0
    assert gaps[0] < gaps[2]
