"""Fixtures for the webhook tests: loopback opened for the address guard (as an admin would
with LOKET_HTTP_ALLOWED_NETWORKS), a receiver, and a way to run the queued tasks here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.jobs.conftest import _live_databases, live_db  # noqa: F401  (the live-worker test)
from tests.monitor.conftest import check, make_monitor, site  # noqa: F401  (monitor events)
from tests.sla.conftest import clock, sla  # noqa: F401  (SLA breaches)
from tests.webhooks.receiver import Receiver, receiver


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def run_queued(queue: str | None = None, *, due_only: bool = False) -> list[Any]:
    """Runs the READY tasks (of ``queue``) in this process, oldest first, as a worker would;
    tasks they enqueue wait for the next call. ``due_only`` skips tasks whose ``run_after``
    is still ahead (a retry's backoff). Returns what each returned."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("enqueued_at", "id")
    if queue is not None:
        rows = rows.filter(queue_name=queue)
    results = []
    for row in list(rows):
        if due_only and row.run_after is not None and row.run_after > timezone.now():
            continue
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
        task = import_string(row.task_path)
        results.append(task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
    return results
