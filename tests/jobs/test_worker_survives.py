"""A real ``loket worker`` process keeps working through database failures: a locked SQLite
file, PostgreSQL connections terminated under it, and a task that meets either."""

from __future__ import annotations

import sqlite3

from tests.jobs.live import BEATS, LiveDb, enqueue, loket, wait_until

BACKGROUND_THREADS = ("heartbeat failed", "scheduler tick failed")


def _done(db: LiveDb, task_id: str, timeout: float = 120) -> tuple[str, list[str], object]:
    def finished() -> tuple[str, list[str], object] | None:
        row = db.task(task_id)
        return row if row[0] in {"SUCCESSFUL", "FAILED"} else None

    return wait_until(finished, f"task {task_id} to finish", timeout)


def test_a_worker_survives_a_locked_database_and_then_takes_new_work(sqlite_db: LiveDb) -> None:
    db = sqlite_db
    # given a worker whose busy timeout is short, and that has processed a task
    with loket(db, "worker", "--interval", "0.1", LOKET_SQLITE_BUSY_TIMEOUT="0.3") as worker:
        first = enqueue(db, "echo", "before the lock")
        assert _done(db, first)[0] == "SUCCESSFUL", worker.log()

        # when another connection holds the write lock for far longer than the busy timeout:
        # until the worker's main loop (claiming a task, or recording one the scheduler gave
        # it) has failed on it several times, or the worker died of it
        def main_loop_failures() -> int:
            return worker.count("database is locked", but_not=BACKGROUND_THREADS)

        blocker = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            wait_until(
                lambda: main_loop_failures() >= 3 or not worker.alive(),
                "the worker to meet the locked database",
                timeout=300,  # today's main takes minutes to die of it (20 s busy timeouts)
                context=worker.log,
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        # then the worker is still there, and a task enqueued afterwards is run
        assert worker.alive(), worker.log()[-3000:]
        second = enqueue(db, "echo", "after the lock")
        status, _workers, value = _done(db, second)
        assert (status, value) == ("SUCCESSFUL", "after the lock")
        assert worker.alive()
        # it said what happened in one line per try (no tracebacks), and that it recovered
        assert "Traceback" not in worker.log()
        assert worker.count("answers again after") >= 1
        assert worker.stop() == 0


def test_a_worker_survives_its_postgresql_connections_being_terminated(pg_db: LiveDb) -> None:
    db = pg_db
    # given a worker that has processed a task (so it holds open connections)
    with loket(db, "worker", "--interval", "0.1") as worker:
        first = enqueue(db, "echo", "before")
        assert _done(db, first)[0] == "SUCCESSFUL", worker.log()
        # when the server terminates every connection of the worker's database
        terminated = db.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert terminated, "the worker had no open connection"
        # then it reconnects (checked before reuse, CONN_HEALTH_CHECKS, or after the error
        # it meets) and runs a task enqueued afterwards
        second = enqueue(db, "echo", "after")
        status, _workers, value = _done(db, second)
        assert (status, value) == ("SUCCESSFUL", "after"), worker.log()[-3000:]
        assert worker.alive()
        assert worker.stop() == 0


def test_a_task_that_meets_an_unavailable_database_is_run_again(live_db: LiveDb, tmp_path) -> None:
    db = live_db
    # given a task whose first run loses the database in the middle (lock / dropped connection)
    with loket(db, "worker", "--interval", "0.1", LOKET_SQLITE_BUSY_TIMEOUT="0.5") as worker:
        task = enqueue(db, "lose_the_database_once", str(tmp_path / "marker"))
        # then it is put back in the queue rather than failed, and its second run succeeds
        status, worker_ids, value = _done(db, task)
        assert (status, value) == ("SUCCESSFUL", "second run"), worker.log()[-3000:]
        assert len(worker_ids) == 2  # claimed twice, by the same worker
        assert worker.count("met an unavailable database") == 1
        # and the worker kept its heartbeat going
        assert db.query(f"SELECT COUNT(*) FROM {BEATS}") == [(1,)]
        assert worker.stop() == 0
    # a clean stop removes the heartbeat: a stopped worker is not a dead one
    assert db.query(f"SELECT COUNT(*) FROM {BEATS}") == [(0,)]
