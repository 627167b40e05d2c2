"""Tasks used by the job tests (tasks must live at module level to be enqueued)."""

from __future__ import annotations

from django.db import InterfaceError
from django_tasks import task

from loket.jobs.retry import retrying

CALLS: list[int] = []


@task()
@retrying(attempts=3, base=10)
def flaky(value: int) -> int:
    CALLS.append(value)
    raise RuntimeError("the far side is down")


@task()
@retrying(attempts=3, base=10)
def loses_the_database(value: int) -> int:
    CALLS.append(value)
    raise InterfaceError("connection already closed")


@task()
def echo(value: str) -> str:
    return value


@task()
def wait_for_file(path: str) -> str:
    """Keeps its worker busy until the test creates ``path`` (at most two minutes)."""
    import time
    from pathlib import Path

    deadline = time.monotonic() + 120
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.05)
    return path


@task()
def lose_the_database_once(marker: str) -> str:
    """The first run meets a real database failure in the middle of its work: on SQLite another
    connection holds the write lock (so the write waits out the busy timeout), on PostgreSQL
    its own connection is terminated. Later runs succeed."""
    import sqlite3
    from pathlib import Path

    from django.db import connection

    from loket.jobs.models import ScheduledJob

    if Path(marker).exists():
        return "second run"
    Path(marker).write_text("first run", encoding="utf-8")
    if connection.vendor == "sqlite":
        blocker = sqlite3.connect(str(connection.settings_dict["NAME"]), isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            ScheduledJob.objects.create(name="never", task_path="x", interval_seconds=1)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return "not reached"
