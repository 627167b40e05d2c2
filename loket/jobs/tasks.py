"""Housekeeping for the task queue itself."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs.heartbeat import forget_dead_workers
from loket.jobs.models import WorkerHeartbeat

log = logging.getLogger(__name__)

# A RUNNING task whose worker left no heartbeat row (not a ``loket worker``) counts as
# orphaned after this long; one whose worker's heartbeat went stale, as soon as it did.
STALE_AFTER = timedelta(minutes=15)


def worker_dead_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "HEALTH_WORKER_SECONDS", 60)))


@task()
def requeue_stale_tasks() -> int:
    """A worker killed mid-task leaves its task RUNNING for ever; put such tasks back.

    A task is orphaned when the worker that claimed it last has not been heard from for
    ``LOKET_HEALTH_WORKER_SECONDS``; a live worker's task stays RUNNING however long it takes
    (an import can run for an hour, and must not run twice at once). Right after the database
    was away every heartbeat is old, the live workers' too: while no worker at all has beaten
    recently, nobody is judged dead. Workers not seen for a day are forgotten here too.
    """
    now = timezone.now()
    dead_after = worker_dead_after()
    last_seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_seen_at"))
    database_was_away = not any(seen >= now - dead_after / 2 for seen in last_seen.values())
    stale = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    for pk, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
        seen = last_seen.get(worker_ids[-1]) if worker_ids else None
        if seen is not None and (seen >= now - dead_after or database_was_away):
            continue  # its worker is alive and still running it (or cannot be judged now)
        limit = STALE_AFTER if seen is None else dead_after
        if started_at is None or started_at < now - limit:
            stale.append(pk)
    requeued = 0
    if stale:
        requeued = DBTaskResult.objects.filter(
            pk__in=stale, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)
        log.warning("requeued %d task(s) left running by dead workers", requeued)
    forget_dead_workers(now)
    return requeued


def queue_depths() -> dict[str, dict[str, object]]:
    """Ready tasks per queue and the age of the oldest, for the admin's health view."""
    from django.db.models import Count, Min

    now = timezone.now()
    rows = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .values("queue_name")
        .annotate(n=Count("id"), oldest=Min("enqueued_at"))
    )
    return {
        r["queue_name"]: {
            "ready": r["n"],
            "oldest_age_s": (now - r["oldest"]).total_seconds() if r["oldest"] else 0,
        }
        for r in rows
    }
