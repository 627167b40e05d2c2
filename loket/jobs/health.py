"""Is background work happening? Per queue: is a worker alive for it, and is it moving?

Two reads, both cheap: the heartbeat rows (one per worker process) and, per queue, the number
of ready tasks and how long the oldest has waited (on the partial index of READY tasks).

A queue has a problem when

* ``no_worker``: no worker serving it has written its heartbeat within
  ``LOKET_HEALTH_WORKER_SECONDS``, or
* ``stuck``: its oldest ready task has waited longer than ``LOKET_HEALTH_QUEUE_STUCK_SECONDS``
  and none of its live workers has claimed anything (or started) within that time: they are
  all busy with something long, or hang.

``/healthz`` answers 503 naming these problems; the desk's health page shows them in red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, DateTimeField, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from loket.jobs.models import WorkerHeartbeat

NO_WORKER = "no_worker"
STUCK = "stuck"
SHOW_DEAD_FOR = timedelta(hours=1)  # the health page lists workers that died this recently


def _seconds(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def configured_queues() -> list[str]:
    backend: dict[str, Any] = settings.TASKS.get("default", {})
    return list(backend.get("QUEUES") or ["default"])


@dataclass(frozen=True)
class WorkerState:
    row: WorkerHeartbeat
    alive: bool
    seen_age_s: float
    claim_age_s: float | None


@dataclass(frozen=True)
class QueueState:
    name: str
    ready: int
    oldest_wait_s: float
    live_workers: int
    idle_s: float | None  # since the last claim (or start) by any of its live workers
    problem: str  # "", NO_WORKER or STUCK
    detail: str


@dataclass(frozen=True)
class Health:
    queues: list[QueueState]
    workers: list[WorkerState]
    worker_seconds: float
    stuck_seconds: float

    @property
    def healthy(self) -> bool:
        return not any(q.problem for q in self.queues)

    def problems(self) -> list[dict[str, str]]:
        return [
            {"queue": q.name, "problem": q.problem, "detail": q.detail}
            for q in self.queues
            if q.problem
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "queues": {
                q.name: {
                    "ready": q.ready,
                    "oldest_wait_s": round(q.oldest_wait_s, 1),
                    "live_workers": q.live_workers,
                    "idle_s": None if q.idle_s is None else round(q.idle_s, 1),
                }
                for q in self.queues
            },
            "problems": self.problems(),
        }


def _waiting(now: datetime) -> dict[str, tuple[int, float]]:
    """Ready tasks per queue, and since when the oldest has been runnable: a retry queued for
    later waits from its ``run_after``, everything else from when it was enqueued."""
    since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=F("run_after"),
        output_field=DateTimeField(),
    )
    rows = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(n=Count("id"), since=Min(since))
    )
    return {
        r["queue_name"]: (
            r["n"],
            max(0.0, (now - r["since"]).total_seconds()) if r["since"] else 0.0,
        )
        for r in rows
    }


def _workers(now: datetime, worker_seconds: float) -> list[WorkerState]:
    shown_after = now - max(SHOW_DEAD_FOR, timedelta(seconds=worker_seconds))
    states = []
    for row in WorkerHeartbeat.objects.filter(last_seen_at__gte=shown_after).order_by(
        "host", "pid", "started_at"
    ):
        seen_age = (now - row.last_seen_at).total_seconds()
        claim_age = (now - row.last_claim_at).total_seconds() if row.last_claim_at else None
        states.append(WorkerState(row, seen_age <= worker_seconds, seen_age, claim_age))
    return states


def _queue(
    name: str,
    waiting: tuple[int, float],
    live: list[WorkerState],
    now: datetime,
    worker_seconds: float,
    stuck_seconds: float,
) -> QueueState:
    ready, oldest = waiting
    activity = [w.row.last_claim_at or w.row.started_at for w in live]
    idle = (now - max(activity)).total_seconds() if activity else None
    problem = detail = ""
    if not live:
        problem = NO_WORKER
        detail = f"no worker serving queue {name!r} has reported in {worker_seconds:.0f} s"
    elif ready and oldest > stuck_seconds and idle is not None and idle > stuck_seconds:
        problem = STUCK
        detail = (
            f"queue {name!r}: the oldest of {ready} ready task(s) has waited {oldest:.0f} s "
            f"and no worker claimed anything in {idle:.0f} s"
        )
    return QueueState(name, ready, oldest, len(live), idle, problem, detail)


def assess(now: datetime | None = None) -> Health:
    now = now or timezone.now()
    worker_seconds = _seconds("HEALTH_WORKER_SECONDS", 60)
    stuck_seconds = _seconds("HEALTH_QUEUE_STUCK_SECONDS", 300)
    waiting = _waiting(now)
    workers = _workers(now, worker_seconds)
    alive = [w for w in workers if w.alive]
    names = configured_queues() + sorted(set(waiting) - set(configured_queues()))
    queues = [
        _queue(
            name,
            waiting.get(name, (0, 0.0)),
            [w for w in alive if w.row.serves(name)],
            now,
            worker_seconds,
            stuck_seconds,
        )
        for name in names
    ]
    return Health(queues, workers, worker_seconds, stuck_seconds)
