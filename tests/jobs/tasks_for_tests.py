"""Tasks used by the job tests (tasks must live at module level to be enqueued)."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying

CALLS: list[int] = []


@task()
@retrying(attempts=3, base=10)
def flaky(value: int) -> int:
    CALLS.append(value)
    raise RuntimeError("the far side is down")
