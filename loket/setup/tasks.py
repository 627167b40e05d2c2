"""Background work of the settings area."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task(queue_name="default")
def purge_closed_tickets() -> int:
    """Periodic (hourly): data retention, as set on the settings page."""
    from loket.setup.retention import run

    return run(timezone.now())
