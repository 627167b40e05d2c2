"""Eight workers tick the scheduler at once, for ten minutes of simulated time: every periodic
job runs once per slot, never twice, never skipped."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg

from tests.live.site import ROOT, base_env

WORKERS = 8
MINUTES = 10
TASKS = "django_tasks_database_dbtaskresult"
STEP = 10  # simulated seconds between ticks (``loket worker`` ticks every 5 real ones)
TEST_JOBS = {"every-10s": 10, "every-30s": 30, "every-minute": 60, "every-5-minutes": 300}


def test_eight_workers_ticking_at_once_run_every_periodic_job_once_per_slot(
    db_url: str, tmp_path
) -> None:
    env = base_env(tmp_path / "data", db_url, LOKET_STALE_TASK_SWEEP_SECONDS="60")
    # given the desk's own periodic jobs and four of the test's, all due at t0
    subprocess.run(
        [sys.executable, "-m", "loket.cli", "shell", "-c",
         "from loket.jobs import scheduler; scheduler.ensure_jobs()"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    t0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    with psycopg.connect(db_url, autocommit=True) as db:
        for name, seconds in TEST_JOBS.items():
            db.execute(
                "INSERT INTO jobs_scheduledjob (name, task_path, interval_seconds, next_run_at,"
                " enabled) VALUES (%s, 'tests.scale.periodic.noop', %s, %s, true)",
                (name, seconds, t0),
            )
        db.execute("UPDATE jobs_scheduledjob SET next_run_at = %s", (t0,))
        db.execute(f"DELETE FROM {TASKS}")
        jobs = dict(db.execute("SELECT name, interval_seconds FROM jobs_scheduledjob").fetchall())
        paths = dict(db.execute("SELECT name, task_path FROM jobs_scheduledjob").fetchall())

    # when eight processes tick every ten simulated seconds for ten minutes, all at once
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(WORKERS), context.Queue()
    steps = MINUTES * 60 // STEP
    procs = [
        context.Process(
            target=_tick_loop, args=(env, t0.isoformat(), steps, float(STEP), barrier, out)
        )
        for _ in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    per_worker = [out.get(timeout=180) for _ in procs]
    assert all(isinstance(n, int) for n in per_worker), per_worker
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0

    # then each job was enqueued exactly at t0, t0+interval, … (once per slot), and more
    # than one process did the enqueuing (they really competed)
    with psycopg.connect(db_url, autocommit=True) as db:
        rows = db.execute(f"SELECT task_path, enqueued_at FROM {TASKS}").fetchall()
    by_path = Counter(path for path, _ in rows)
    assert sum(per_worker) == len(rows)
    assert sum(1 for n in per_worker if n) > 1, per_worker
    test_runs = sorted(at for path, at in rows if path == "tests.scale.periodic.noop")
    expected_test = sorted(
        t0 + timedelta(seconds=k * seconds)
        for seconds in TEST_JOBS.values()
        for k in range(MINUTES * 60 // seconds + 1)
    )
    assert test_runs == expected_test
    # the desk's own jobs too, where their interval is a whole number of ticks
    for name, seconds in jobs.items():
        own = paths[name] != "tests.scale.periodic.noop"
        if own and seconds % STEP == 0 and list(paths.values()).count(paths[name]) == 1:
            assert by_path[paths[name]] == MINUTES * 60 // seconds + 1, (name, seconds)


def _tick_loop(*args: object) -> None:
    from tests.scale.ticker import tick_loop

    tick_loop(*args)  # type: ignore[arg-type]
