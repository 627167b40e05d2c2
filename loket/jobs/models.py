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
