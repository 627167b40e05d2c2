"""The health answer: /healthz turns 503 and names the queue when no worker serves it or it is
stuck; the desk's health page shows workers and queues; the stale-task sweep reads heartbeats."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs.heartbeat import Heartbeat
from loket.jobs.models import WorkerHeartbeat
from loket.jobs.tasks import requeue_stale_tasks
from tests.conftest import Desk
from tests.jobs import tasks_for_tests
from tests.jobs.live import LiveDb, enqueue, free_port, get_json, loket, wait_until

ALL = {"default", "mail", "monitors", "notify", "webhooks"}


def _problems(client: Client) -> tuple[int, dict[str, str]]:
    response = client.get("/healthz")
    body = response.json()
    assert body["status"] == ("ok" if response.status_code == 200 else "unhealthy")
    return response.status_code, {p["queue"]: p["problem"] for p in body["problems"]}


def test_healthz_names_every_queue_without_a_worker(db: None, client: Client) -> None:
    # given a desk where no worker has ever reported
    # then /healthz answers 503 and names every queue; the liveness answer stays 200
    assert _problems(client) == (503, dict.fromkeys(ALL, "no_worker"))
    live = client.get("/healthz?live=1")
    assert live.status_code == 200
    assert live.json()["status"] == "ok"


def test_healthz_follows_the_heartbeat_of_a_worker(db: None, client: Client) -> None:
    # given a worker for every queue that has just reported
    Heartbeat(queues=["*"]).write()
    assert _problems(client) == (200, {})
    # when it stops reporting for longer than LOKET_HEALTH_WORKER_SECONDS (60)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        # then every queue it served is reported without a worker
        assert _problems(client) == (503, dict.fromkeys(ALL, "no_worker"))


def test_a_worker_for_some_queues_leaves_the_others_reported(db: None, client: Client) -> None:
    Heartbeat(queues=["mail", "notify", "monitors"]).write()
    status, problems = _problems(client)
    assert (status, problems) == (503, {"default": "no_worker", "webhooks": "no_worker"})
    assert "'default'" in client.get("/healthz").json()["problems"][0]["detail"]


def test_a_queue_is_stuck_when_its_oldest_task_waits_and_no_worker_takes_any(
    db: None, client: Client
) -> None:
    now = timezone.now()
    # given a worker that started an hour ago and took its last task ten minutes ago
    beat = Heartbeat(queues=["*"], started_at=now - timedelta(hours=1))
    beat.last_claim_at = now - timedelta(minutes=10)
    beat.write()
    # and a mail task waiting for ten minutes, and a retry on the default queue due later
    with time_machine.travel(now - timedelta(minutes=10)):
        tasks_for_tests.echo.using(queue_name="mail").enqueue("waiting")
    later = now + timedelta(hours=1)
    tasks_for_tests.echo.using(run_after=later).enqueue("later")
    # then the mail queue is stuck (over LOKET_HEALTH_QUEUE_STUCK_SECONDS, 300), the other not
    assert _problems(client) == (503, {"mail": "stuck"})
    queue = client.get("/healthz").json()["queues"]["mail"]
    assert queue["ready"] == 1 and queue["oldest_wait_s"] >= 600
    # when the worker takes a task again, the queue counts as moving
    beat.last_claim_at = timezone.now()
    beat.write()
    assert _problems(client) == (200, {})


def test_the_health_page_shows_workers_and_queues_in_red(desk: Desk, client: Client) -> None:
    # given a worker for the mail queues only, and one that stopped reporting
    Heartbeat(queues=["mail", "notify", "monitors"], host="mailhost", pid=4242).write()
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        Heartbeat(queues=["default"], host="deadhost", pid=999).write()
    client.force_login(desk.manager)
    page = client.get("/desk/health/").content.decode()
    assert "mailhost" in page and "4242" in page and "deadhost" in page
    assert "not responding" in page
    assert "Queue “default”: no worker has reported in 60 seconds" in page
    assert 'data-queue="default"><td>default</td>\n      <td><span class="pill prio-4">' in page
    # and in Dutch
    desk.manager.language = "nl"
    desk.manager.save()
    page = client.get("/desk/health/").content.decode()
    assert "Wachtrij “default”: geen worker heeft zich in 60 seconden gemeld" in page
    assert "reageert niet" in page


def _running(worker_id: str, started: timedelta) -> DBTaskResult[Any, Any]:
    tasks_for_tests.echo.enqueue("long")
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started,
        worker_ids=[worker_id],
    )
    return DBTaskResult.objects.get()


def test_the_sweep_leaves_a_live_workers_long_task_alone(db: None) -> None:
    # given a task a live worker has been running for an hour (a big import)
    beat = Heartbeat(queues=["*"])
    beat.write()
    task = _running(beat.worker_id, timedelta(hours=1))
    # then the sweep does not put it back (it would run twice at once)
    assert requeue_stale_tasks.call() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_the_sweep_requeues_a_dead_workers_task_once_its_heartbeat_is_stale(db: None) -> None:
    # given a task whose worker was killed two minutes ago, a minute into the task
    with time_machine.travel(timezone.now() - timedelta(minutes=2)):
        dead = Heartbeat(queues=["*"])
        dead.write()
    task = _running(dead.worker_id, timedelta(minutes=3))
    # when no worker has beaten since (the database was away), nobody is judged dead yet
    assert requeue_stale_tasks.call() == 0
    # then once the sweeping worker beats again, the dead worker's task is put back at once,
    # not after the fifteen minutes for tasks of unknown workers
    Heartbeat(queues=["default"]).write()
    assert requeue_stale_tasks.call() == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    # and a worker not seen for a day is forgotten
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        requeue_stale_tasks.call()
    assert not WorkerHeartbeat.objects.exists()


def test_healthz_of_a_real_desk_reports_a_killed_worker_and_a_stuck_queue(
    live_db: LiveDb, tmp_path: Path
) -> None:
    db = live_db
    port = free_port()
    healthz = f"http://127.0.0.1:{port}/healthz"
    settings = {"LOKET_HEALTH_WORKER_SECONDS": "5", "LOKET_HEALTH_QUEUE_STUCK_SECONDS": "3"}

    def answer(status: int) -> dict[str, str] | None:
        got = get_json(healthz)
        if got is None or got[0] != status:
            return None
        return {p["queue"]: p["problem"] for p in got[1]["problems"]} or {"": ""}

    with loket(db, "run", "--no-worker", "--no-migrate", "--port", str(port), **settings):
        # given a web server and one worker for every queue: healthy
        with loket(db, "worker", "--interval", "0.1", **settings) as worker:
            wait_until(lambda: answer(200), "/healthz to answer 200")
            # when the worker is killed, /healthz names every queue as without a worker
            os.kill(worker.popen.pid, signal.SIGKILL)
            wait_until(
                lambda: answer(503) == dict.fromkeys(ALL, "no_worker"),
                "/healthz to report the dead worker",
            )
        # given a new worker that is busy with a long task while another waits behind it
        with loket(db, "worker", "--interval", "0.1", **settings) as worker:
            wait_until(lambda: answer(200), "/healthz to answer 200 again")
            release = tmp_path / "release"
            blocker = enqueue(db, "wait_for_file", str(release))
            wait_until(lambda: db.task(blocker)[0] == "RUNNING", "the long task to start")
            waiting = enqueue(db, "echo", "behind the long task")
            # then /healthz reports the default queue as stuck
            wait_until(
                lambda: (a := answer(503)) and a.get("default") == "stuck",
                "/healthz to report the stuck queue",
            )
            # and once the long task ends, the queue moves and the desk is healthy again
            release.write_text("go", encoding="utf-8")
            wait_until(lambda: db.task(waiting)[0] == "SUCCESSFUL", "the waiting task to run")
            wait_until(lambda: answer(200), "/healthz to answer 200 after the queue moved")
            assert worker.stop() == 0
