from __future__ import annotations

from django.db import models
from django.utils import timezone


class ScheduledJob(models.Model):
    """A periodic task. Whoever moves ``next_run_at`` forward first enqueues the run."""

    name = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=200)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField(default=timezone.now)
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """One row per running ``loket worker`` process, refreshed every few seconds.

    ``/healthz`` and the desk's health page read these to tell whether every queue has a
    live worker and whether the workers are still taking work; the stale-task sweep reads them
    to know whose RUNNING tasks were orphaned by a worker that died.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255, help_text="comma-separated; * is every queue")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    last_claim_at = models.DateTimeField(null=True, blank=True)
    running_task_id = models.UUIDField(null=True, blank=True)
    tasks_run = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"

    @property
    def queue_list(self) -> list[str]:
        return [q for q in self.queues.split(",") if q]

    def serves(self, queue: str) -> bool:
        names = self.queue_list
        return "*" in names or queue in names


class SecretKeyStamp(models.Model):
    """Which secret key the nodes of this desk sign with: an HMAC of it, never the key.

    The first node to check writes it; a node whose ``LOKET_SECRET_KEY`` gives another HMAC
    (and is not a rotation: the recorded key among its ``LOKET_SECRET_KEY_FALLBACKS``) is not
    ready, and ``loket check --deploy`` says why (``loket.jobs.ready``). One row.
    """

    digest = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"secret key {self.digest[:8]}…"


class RateCount(models.Model):
    """One rate-limit window's count (``loket.lib.ratelimit``), when the cache is the database's:
    increased by one atomic upsert, so parallel requests on several nodes lose no count (the
    database cache's own ``incr`` reads and then writes). Expired rows are pruned as it goes."""

    bucket_key = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "loket_ratelimit"

    def __str__(self) -> str:
        return f"{self.bucket_key}: {self.hits}"
