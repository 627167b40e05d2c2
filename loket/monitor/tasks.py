"""Periodic monitor housekeeping, run by the scheduler on the ``monitors`` queue."""

from __future__ import annotations

from django_tasks import task

from loket.monitor import rollup


@task(queue_name="monitors")
def roll_up() -> int:
    """Counts new raw results into the hourly and daily figures."""
    return rollup.roll_up_all()


@task(queue_name="monitors")
def prune() -> dict[str, int]:
    """Deletes raw results and figures past their retention (raw only once counted)."""
    rollup.roll_up_all()
    return rollup.prune()
