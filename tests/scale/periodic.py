"""The periodic job of the eight-worker scheduler test."""

from __future__ import annotations

from django_tasks import task


@task()
def noop() -> None:
    """Never run: the test counts the runs the scheduler enqueued."""
