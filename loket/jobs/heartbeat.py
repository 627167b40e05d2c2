"""A worker's heartbeat row: who it is, which queues it serves, when it was last alive and when
it last took a task.

The worker's main loop only changes the fields in memory (no database work on its path); the
heartbeat thread writes them with one UPDATE every few seconds. A write that fails (database
locked or gone) raises to the caller, which backs off and tries again: the heartbeat never
stops the worker.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from loket.jobs.models import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{int(time.time())}"[-64:]


@dataclass
class Heartbeat:
    queues: list[str]
    worker_id: str = field(default_factory=new_worker_id)
    host: str = field(default_factory=lambda: socket.gethostname()[:255])
    pid: int = field(default_factory=os.getpid)
    started_at: datetime = field(default_factory=timezone.now)
    last_claim_at: datetime | None = None
    running_task_id: uuid.UUID | None = None
    tasks_run: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claimed(self, task_id: uuid.UUID) -> None:
        with self._lock:
            self.last_claim_at = timezone.now()
            self.running_task_id = task_id

    def finished(self) -> None:
        with self._lock:
            self.running_task_id = None
            self.tasks_run += 1

    def write(self) -> None:
        """One UPDATE (an INSERT the first time, or after someone pruned the row)."""
        with self._lock:
            values = {
                "last_seen_at": timezone.now(),
                "last_claim_at": self.last_claim_at,
                "running_task_id": self.running_task_id,
                "tasks_run": self.tasks_run,
            }
        if WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(**values):
            return
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                **values,
                "host": self.host,
                "pid": self.pid,
                "queues": ",".join(self.queues)[:255],
                "started_at": self.started_at,
            },
        )

    def remove(self) -> None:
        """On a clean stop: the worker is gone, not dead."""
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def forget_dead_workers(now: datetime | None = None) -> int:
    """Drops the rows of workers not seen for a day (the health page shows recent deaths)."""
    cutoff = (now or timezone.now()) - FORGET_AFTER
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted
