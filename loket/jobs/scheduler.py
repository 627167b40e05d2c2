"""The scheduler tick: run by every worker every few seconds, safe when several tick at once.

Each due job is claimed with a conditional UPDATE on its ``next_run_at``; only the worker whose
UPDATE matched enqueues the run, in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from loket.jobs.models import ScheduledJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task_path: str
    interval_seconds: int


# Later apps add their own periodic jobs here (SLA sweeps, monitors, mailbox polls).
PERIODIC: list[Periodic] = [
    Periodic(
        "requeue-stale-tasks",
        "loket.jobs.tasks.requeue_stale_tasks",
        int(getattr(settings, "STALE_TASK_SWEEP_SECONDS", 60)),
    ),
]


def ensure_jobs() -> None:
    for job in PERIODIC:
        ScheduledJob.objects.update_or_create(
            name=job.name,
            defaults={"task_path": job.task_path, "interval_seconds": job.interval_seconds},
        )


def tick() -> int:
    """Enqueues every due job once; returns how many this call enqueued."""
    now = timezone.now()
    enqueued = 0
    for job in ScheduledJob.objects.filter(enabled=True, next_run_at__lte=now):
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
                next_run_at=now + timedelta(seconds=job.interval_seconds)
            )
            if not claimed:
                continue
            task: Any = import_string(job.task_path)
            task.enqueue()
            enqueued += 1
    return enqueued
