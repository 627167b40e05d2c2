"""One of the scheduler processes of the eight-worker test: ticks the scheduler at each step of
simulated time, in step with the others (a barrier), and reports how many runs it enqueued.

The scheduler's own code runs unchanged: only the clock is simulated (``time-machine``), so
ten minutes of ticking take seconds, deterministically. Nothing here imports Django before
the environment is set (``tests.scale.periodic`` holds the test's job).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any


def tick_loop(
    env: dict[str, str], start: str, steps: int, step_s: float, barrier: Any, out: Any
) -> None:
    try:
        out.put(_ticks(env, start, steps, step_s, barrier))
    except BaseException as exc:
        barrier.abort()  # the others stop waiting for this one
        out.put(f"{type(exc).__name__}: {exc}")
        raise


def _ticks(env: dict[str, str], start: str, steps: int, step_s: float, barrier: Any) -> int:
    os.environ.pop("PYTEST_VERSION", None)  # this process is a worker, not the test suite
    os.environ.update(env)
    import django

    django.setup()
    import time_machine
    from django.db import connection

    from loket.jobs import scheduler

    t0 = datetime.fromisoformat(start)
    enqueued = 0
    try:
        for k in range(steps + 1):
            barrier.wait(timeout=120)
            with time_machine.travel(t0 + timedelta(seconds=k * step_s), tick=False):
                enqueued += scheduler.tick()
    finally:
        connection.close()
    return enqueued
