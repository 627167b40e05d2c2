"""Housekeeping for the task queue itself."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

STALE_AFTER = timedelta(minutes=15)


@task()
def requeue_stale_tasks() -> int:
    """A worker killed mid-task leaves its task RUNNING for ever; put such tasks back."""
    cutoff = timezone.now() - STALE_AFTER
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)


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
