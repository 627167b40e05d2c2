"""How a real worker stops: SIGTERM lets the running task finish; SIGQUIT gives it back to the
queue at once (what ``loket run`` sends when the grace period is over)."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.jobs.live import BEATS, LiveDb, enqueue, loket, wait_until


def test_sigterm_lets_the_running_task_finish(live_db: LiveDb, tmp_path: Path) -> None:
    db = live_db
    release = tmp_path / "release"
    with loket(db, "worker", "--interval", "0.1") as worker:
        task = enqueue(db, "wait_for_file", str(release))
        wait_until(lambda: db.task(task)[0] == "RUNNING", "the task to start")
        # when the worker is asked to stop while its task runs
        worker.popen.send_signal(signal.SIGTERM)
        wait_until(lambda: worker.count("stopping after the current task"), "the stop to register")
        assert worker.alive()
        # then it finishes the task first, records it, and leaves cleanly
        release.write_text("go", encoding="utf-8")
        assert worker.popen.wait(timeout=120) == 0
    assert db.task(task)[0] == "SUCCESSFUL"
    assert db.query(f"SELECT COUNT(*) FROM {BEATS}") == [(0,)]


def test_sigquit_gives_the_running_task_back(live_db: LiveDb, tmp_path: Path) -> None:
    db = live_db
    with loket(db, "worker", "--interval", "0.1") as worker:
        task = enqueue(db, "wait_for_file", str(tmp_path / "never"))
        wait_until(lambda: db.task(task)[0] == "RUNNING", "the task to start")
        # when the worker must stop now
        worker.popen.send_signal(signal.SIGQUIT)
        # then it leaves at once and the task is back in the queue for another worker
        assert worker.popen.wait(timeout=120) == 0, worker.log()[-3000:]
    status, worker_ids, _value = db.task(task)
    assert (status, len(worker_ids)) == ("READY", 1)
