"""The worker process: claims tasks from the database queue and runs the scheduler tick."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from loket.jobs import scheduler

log = logging.getLogger(__name__)


def _scheduler_loop(stop: threading.Event, every: float) -> None:
    scheduler.ensure_jobs()
    while not stop.is_set():
        try:
            close_old_connections()
            scheduler.tick()
        except Exception:  # a failing tick must not kill the worker; it retries next tick
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(every)


def run_worker(
    queues: list[str], *, interval: float = 1.0, tick_every: float = 5.0, scheduler_on: bool = True
) -> None:
    stop = threading.Event()
    if scheduler_on:
        threading.Thread(
            target=_scheduler_loop, args=(stop, tick_every), name="scheduler", daemon=True
        ).start()
    worker = Worker(
        queue_names=queues,
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{int(time.time())}"[:64],
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
