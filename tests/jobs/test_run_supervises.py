"""``loket run`` (a real process on a free loopback port) keeps its workers running: a worker
killed from outside is started again and takes work; SIGTERM stops everything cleanly."""

from __future__ import annotations

import os
import signal
from typing import Any

from tests.jobs.live import (
    LiveDb,
    enqueue,
    free_port,
    get_json,
    loket,
    process_exists,
    wait_until,
)

MAIL_WORKER = "mail,notify,monitors"


def _live_workers(db: LiveDb) -> dict[str, dict[str, Any]]:
    """The heartbeat rows of worker processes that exist, by queues."""
    return {b["queues"]: b for b in db.heartbeats() if process_exists(int(b["pid"]))}


def test_loket_run_restarts_a_killed_worker_which_then_takes_work(live_db: LiveDb) -> None:
    db = live_db
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with loket(db, "run", "--port", str(port), "--no-migrate") as run:
        # given loket run serving, with its two workers reporting and /healthz healthy
        workers = wait_until(
            lambda: (w := _live_workers(db)) and {MAIL_WORKER, "default,webhooks"} <= set(w) and w,
            "both workers to report",
        )
        healthy = wait_until(
            lambda: (r := get_json(f"{base}/healthz")) and r[0] == 200 and r,
            "/healthz to answer 200",
        )
        assert healthy[1]["problems"] == []
        killed = int(workers[MAIL_WORKER]["pid"])

        # when the mail worker is killed from outside with SIGKILL
        os.kill(killed, signal.SIGKILL)

        # then loket run starts a new one, which reports on the same queues
        new = wait_until(
            lambda: (w := _live_workers(db).get(MAIL_WORKER)) and int(w["pid"]) != killed and w,
            "a new mail worker",
        )
        assert "was killed by SIGKILL" in run.log()
        assert run.alive()
        # and that worker runs the next mail task
        task = enqueue(db, "echo", "after the restart", queue="mail")
        status = wait_until(
            lambda: (t := db.task(task))[0] == "SUCCESSFUL" and t, "the mail task to run"
        )
        assert status[1] == [new["worker_id"]]

        # when loket run gets SIGTERM, it stops its children and exits cleanly
        children = [int(b["pid"]) for b in _live_workers(db).values()]
        assert run.stop() == 0, run.log()[-3000:]
        assert not [pid for pid in children if process_exists(pid)]
        # (each removed its heartbeat; only the killed worker's row is left, to go stale)
        assert [int(b["pid"]) for b in db.heartbeats()] == [killed]
