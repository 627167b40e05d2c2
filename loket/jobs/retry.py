"""Retry with backoff for tasks, which django-tasks does not do on its own.

A wrapped task that raises is enqueued again with a growing delay, up to ``attempts`` times;
the last failure is raised so the task result records it. An exception with a
``retry_after`` attribute (seconds, e.g. from an API's rate-limit answer) sets that attempt's
delay instead of the backoff.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from django.utils import timezone

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)


def backoff_seconds(attempt: int, base: float = 30.0, cap: float = 3600.0) -> float:
    return float(min(cap, base * (2**attempt)))


def retrying(attempts: int = 6, base: float = 30.0) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            attempt = int(kwargs.pop("attempt", 0))  # type: ignore[call-overload]
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if attempt + 1 >= attempts or _database_away(exc):
                    # The database went away (restart, failover) or is locked: the worker gives
                    # the task back to the queue and runs it again once the database answers,
                    # without spending one of its attempts (and a retry could not be queued).
                    raise
                task: Any = getattr(sys.modules[fn.__module__], fn.__name__)
                asked = getattr(exc, "retry_after", None)
                delay = float(asked) if asked else backoff_seconds(attempt, base)
                log.warning(
                    "%s failed (attempt %d); retrying in %ss",
                    fn.__name__,
                    attempt + 1,
                    delay,
                    exc_info=True,
                )
                task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    *args, attempt=attempt + 1, **kwargs
                )
                return None  # type: ignore[return-value]

        return wrapper

    return decorate


def _database_away(exc: BaseException) -> bool:
    from loket.jobs.worker import database_unavailable

    return database_unavailable(exc)
