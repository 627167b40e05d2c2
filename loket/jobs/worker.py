"""The worker process: claims tasks from the database queue, runs them, and keeps going when the
database does not answer.

django-tasks-db's own loop dies on the first database error outside one narrow spot (a locked
database at BEGIN, a dropped PostgreSQL connection, a failed "mark as done"); this one treats
every database error in its own bookkeeping (claiming, recording a result, the heartbeat, the
scheduler tick) as passing: it closes the broken connection, waits with exponential backoff
and jitter (capped by ``LOKET_WORKER_BACKOFF_CAP_SECONDS``), logs one line per failed try and
resumes.

What happens to a task:

* it returns: recorded SUCCESSFUL; if the database is away at that moment the worker keeps
  trying to record it (it does not run the task again, and it does not claim another);
* it raises: recorded FAILED (the ``retrying`` wrapper has already queued its next attempt);
* it raises because the database was locked or the connection dropped: it goes back to the
  queue after a backoff, at most ``MAX_CLAIMS`` claims in all, then FAILED;
* the worker is stopped now (SIGQUIT, or a second SIGINT) while it runs: it goes back to the
  queue. SIGTERM and a first SIGINT let it finish first.

A task a killed worker leaves RUNNING is put back by ``requeue_stale_tasks`` once that worker's
heartbeat is stale. After a failed claim the worker itself gives back any task the database
says it holds (the claim may have committed even though the answer was lost).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any, TypeAlias

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from loket.jobs import scheduler
from loket.jobs.heartbeat import Heartbeat
from loket.lib.backoff import Backoff
from loket.lib.supervisor import supervisor_gone

log = logging.getLogger(__name__)

Row: TypeAlias = "DBTaskResult[Any, Any]"
DB_ERRORS = (DatabaseError, InterfaceError)
MAX_CLAIMS = 10  # a task that keeps meeting an unavailable database fails after this many


class WorkerInterrupted(BaseException):
    """Raised inside a running task when the worker must stop now; the task is given back."""


def reset_connections() -> None:
    """Closes this thread's database connections; the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):
            connection.close()


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or was locked, rather than
    that the task did something wrong: such a task is worth running again later."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if is_locked_database_exception(exc):
        return True
    connection = connections["default"]
    try:
        return connection.connection is None or not connection.is_usable()
    except Exception:
        return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


class Worker:
    def __init__(
        self,
        heartbeat: Heartbeat,
        *,
        interval: float = 1.0,
        backoff_cap: float = 30.0,
        backend_name: str = "default",
    ) -> None:
        self.heartbeat = heartbeat
        self.queues = heartbeat.queues
        self.interval = interval
        self.backend_name = backend_name
        self.backoff = Backoff(base=0.5, cap=backoff_cap)
        self.stopping = threading.Event()  # finish the running task, then leave
        self.forced = threading.Event()  # leave now, giving the running task back
        self.running_task = False
        self._may_hold_orphans = False

    # -- stopping ------------------------------------------------------------------------------

    def configure_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        force = signum == signal.SIGQUIT or (signum == signal.SIGINT and self.stopping.is_set())
        if not force:
            if not self.stopping.is_set():
                log.warning("%s: stopping after the current task (SIGQUIT stops now)", name)
            self.stopping.set()
            return
        log.warning("%s: stopping now; a running task goes back to the queue", name)
        self.forced.set()
        self.stopping.set()
        if self.running_task:
            raise WorkerInterrupted(name)

    def request_stop(self, why: str) -> None:
        if not self.stopping.is_set():
            log.warning("%s: stopping after the current task", why)
        self.stopping.set()

    # -- database trouble ----------------------------------------------------------------------

    def _database_failed(self, what: str, exc: BaseException, wait: threading.Event) -> None:
        reset_connections()
        delay = self.backoff.failed()
        log.warning(
            "%s failed (%s); try %d, next in %.1f s",
            what,
            _first_line(exc),
            self.backoff.failures,
            delay,
        )
        wait.wait(delay)

    def _database_ok(self) -> None:
        if failures := self.backoff.succeeded():
            log.warning("the database answers again after %d failed tries", failures)

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        log.info("worker %s started (queues %s)", self.heartbeat.worker_id, ",".join(self.queues))
        if self.interval:  # several workers started together do not all poll in step
            self.stopping.wait(random.random())  # noqa: S311
        while not self.stopping.is_set():
            try:
                close_old_connections()
                if self._may_hold_orphans:
                    self._give_back_orphans()
                claimed = self._claim()
            except DB_ERRORS as exc:
                self._may_hold_orphans = True
                self._database_failed("claiming a task", exc, self.stopping)
                continue
            self._database_ok()
            if claimed is None:
                self.stopping.wait(self.interval)
                continue
            self._run(claimed)

    def _claim(self) -> Row | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if "*" not in self.queues:
            tasks = tasks.filter(queue_name__in=self.queues)
        with exclusive_transaction(tasks.db):
            claimed: Row | None = tasks.get_locked()
            if claimed is not None:
                claimed.claim(self.heartbeat.worker_id)
        if claimed is not None:
            self.heartbeat.claimed(claimed.id)
        return claimed

    def _give_back_orphans(self) -> None:
        """A claim whose commit reached the database but whose answer did not leaves a task
        RUNNING in this worker's name that nobody runs; this worker runs nothing right now."""
        mine = [
            pk
            for pk, worker_ids in DBTaskResult.objects.filter(
                status=TaskResultStatus.RUNNING, backend_name=self.backend_name
            ).values_list("id", "worker_ids")
            if worker_ids and worker_ids[-1] == self.heartbeat.worker_id
        ]
        if mine:
            given = DBTaskResult.objects.filter(
                pk__in=mine, status=TaskResultStatus.RUNNING
            ).update(status=TaskResultStatus.READY, started_at=None)
            log.warning("gave back %d task(s) claimed while the database failed", given)
        self._may_hold_orphans = False

    def _run(self, row: Row) -> None:
        try:
            self._run_claimed(row)
        finally:
            self.heartbeat.finished()

    def _run_claimed(self, row: Row) -> None:
        try:
            self.running_task = True
            task = row.task
            result = row.task_result
            task_started.send(sender=type(task.get_backend()), task_result=result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = task.call(*result.args, **result.kwargs)
            self.running_task = False
        except WorkerInterrupted:
            self.running_task = False
            self._record(row, lambda: self._give_back(row, 0.0), "giving back task")
            raise
        except BaseException as exc:
            self.running_task = False
            if database_unavailable(exc) and len(row.worker_ids) < MAX_CLAIMS:
                reset_connections()
                delay = self.backoff.delay(len(row.worker_ids))
                log.warning(
                    "task %s met an unavailable database (%s); back in the queue in %.1f s",
                    row.id,
                    _first_line(exc),
                    delay,
                )
                self._record(row, lambda: self._give_back(row, delay), "giving back task")
                return
            self._record(row, functools.partial(row.set_failed, exc), "recording failed task")
        else:
            self._record(row, lambda: self._set_successful(row, value), "recording task")
        self._announce_finished(row)

    @staticmethod
    def _set_successful(row: Row, value: Any) -> None:
        try:
            row.set_successful(value)
        except (TypeError, ValueError) as exc:  # a return value that is not JSON
            row.set_failed(exc)

    @staticmethod
    def _give_back(row: Row, delay: float) -> None:
        values: dict[str, Any] = {"status": TaskResultStatus.READY, "started_at": None}
        if delay > 0:
            values["run_after"] = timezone.now() + timedelta(seconds=delay)
        DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(**values)

    @staticmethod
    def _fail_plainly(row: Row, reason: str) -> None:
        DBTaskResult.objects.filter(pk=row.pk).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="django.db.utils.DatabaseError",
            traceback=reason[:10_000],
            return_value=None,
        )

    def _record(self, row: Row, write: Callable[[], None], what: str) -> None:
        """Retries ``write`` until the database takes it: a task that ran must not run again,
        nor stay RUNNING, because the database was away when it finished. What the database
        refuses for good (a value it cannot store) is recorded as a plain failure instead."""
        refused = False
        while True:
            try:
                write()
            except DB_ERRORS as exc:
                if not database_unavailable(exc):
                    log.error("%s %s: the database refuses it (%s)", what, row.id, _first_line(exc))
                    if refused:
                        return
                    reason = f"{what}: {_first_line(exc)}"
                    write, refused = functools.partial(self._fail_plainly, row, reason), True
                    continue
                if self.forced.is_set():
                    log.error(
                        "%s %s failed (%s) while stopping; the stale-task sweep will put it back",
                        what,
                        row.id,
                        _first_line(exc),
                    )
                    return
                self._database_failed(f"{what} {row.id}", exc, self.forced)
                continue
            self._database_ok()
            return

    @staticmethod
    def _announce_finished(row: Row) -> None:
        try:
            task_finished.send(sender=type(row.task.get_backend()), task_result=row.task_result)
        except Exception:
            log.exception("task %s finished, but its finished signal failed", row.id)


def _every(
    what: str, period: float, job: Callable[[], object], stop: threading.Event, cap: float
) -> None:
    """Runs ``job`` every ``period`` seconds until ``stop``; database errors back off."""
    backoff = Backoff(base=min(period, 1.0), cap=cap)
    while not stop.is_set():
        try:
            close_old_connections()
            job()
        except DB_ERRORS as exc:
            reset_connections()
            delay = backoff.failed()
            log.warning(
                "%s failed (%s); try %d, next in %.1f s",
                what,
                _first_line(exc),
                backoff.failures,
                delay,
            )
            stop.wait(delay)
            continue
        except Exception:  # a bug in one tick must not end the thread; the next tick runs
            log.exception("%s failed", what)
        else:
            if failures := backoff.succeeded():
                log.warning("%s works again after %d failed tries", what, failures)
        stop.wait(period)
    reset_connections()


class _Ticker:
    """The scheduler's periodic jobs are registered once, then each tick enqueues due runs."""

    def __init__(self) -> None:
        self.registered = False

    def __call__(self) -> None:
        if not self.registered:
            scheduler.ensure_jobs()
            self.registered = True
        scheduler.tick()


def run_worker(
    queues: list[str], *, interval: float = 1.0, tick_every: float = 5.0, scheduler_on: bool = True
) -> None:
    beat_every = float(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 10))
    cap = float(getattr(settings, "WORKER_BACKOFF_CAP_SECONDS", 30))
    heartbeat = Heartbeat(queues=queues)
    worker = Worker(heartbeat, interval=interval, backoff_cap=cap)
    worker.configure_signals()

    def beat() -> None:
        if supervisor_gone():
            worker.request_stop("the parent process (loket run) is gone")
        heartbeat.write()

    threads_stop = threading.Event()
    threads = [
        threading.Thread(
            target=_every,
            # retried at least as often as it beats: after an outage the row is fresh again
            # before the stale-task sweep can mistake this worker for a dead one
            args=("heartbeat", beat_every, beat, threads_stop, min(cap, beat_every)),
            name="heartbeat",
            daemon=True,
        )
    ]
    if scheduler_on:
        threads.append(
            threading.Thread(
                target=_every,
                args=("scheduler tick", tick_every, _Ticker(), threads_stop, cap),
                name="scheduler",
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    try:
        worker.run()
    except WorkerInterrupted:
        pass
    finally:
        threads_stop.set()
        for thread in threads:
            thread.join(timeout=5)
        try:
            heartbeat.remove()
        except DB_ERRORS as exc:
            log.warning("could not remove the heartbeat row (%s)", _first_line(exc))
        reset_connections()
        log.info("worker %s stopped", heartbeat.worker_id)
