"""Real ``loket`` processes on a real database of their own, for the worker and supervisor tests.

The processes must commit for real and be killed for real, so they cannot share the test
transaction: each module gets its own SQLite file (and, with LOKET_TEST_DATABASE_URL, its own
PostgreSQL database), migrated once. The tests look at that database with plain connections
(sqlite3, psycopg) and wait for states with a deadline, never for a fixed time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent.parent
TASKS = "django_tasks_database_dbtaskresult"
BEATS = "jobs_workerheartbeat"
T = TypeVar("T")


def wait_until(
    check: Callable[[], T | None],
    what: str,
    timeout: float = 90.0,
    context: Callable[[], str] = lambda: "",
) -> T:
    """Polls ``check`` until it returns something truthy; fails naming ``what`` at the deadline
    (with ``context()``, e.g. a process's log, in the message)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            message = f"timed out after {timeout:.0f} s waiting for {what}"
            raise AssertionError(f"{message}\n{context()[-4000:]}")
        time.sleep(0.05)


@dataclass
class LiveDb:
    url: str
    data_dir: Path
    vendor: str
    _conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            if self.vendor == "sqlite":
                import sqlite3

                self._conn = sqlite3.connect(
                    self.url.removeprefix("sqlite:///"), timeout=30, isolation_level=None
                )
            else:
                import psycopg

                self._conn = psycopg.connect(self.url, autocommit=True)
        return self._conn

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.vendor != "sqlite":
            sql = sql.replace("?", "%s")
        return list(self._connection().execute(sql, params).fetchall())

    def execute(self, sql: str) -> None:
        self._connection().execute(sql)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def task_id(self, task_id: str) -> str:
        return uuid.UUID(task_id).hex if self.vendor == "sqlite" else task_id

    def task(self, task_id: str) -> tuple[str, list[str], Any]:
        rows = self.query(
            f"SELECT status, worker_ids, return_value FROM {TASKS} WHERE id = ?",
            (self.task_id(task_id),),
        )
        status, worker_ids, value = rows[0]
        if self.vendor == "sqlite":  # JSON columns come back as text
            worker_ids = json.loads(worker_ids)
            value = None if value is None else json.loads(value)
        return status, worker_ids, value

    def heartbeats(self) -> list[dict[str, Any]]:
        rows = self.query(f"SELECT worker_id, pid, queues, last_seen_at FROM {BEATS}")
        return [
            dict(zip(("worker_id", "pid", "queues", "last_seen_at"), r, strict=True)) for r in rows
        ]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            LOKET_DATA_DIR=str(self.data_dir),
            LOKET_DATABASE_URL=self.url,
            LOKET_LOG_LEVEL="INFO",
            LOKET_WORKER_HEARTBEAT_SECONDS="0.3",
            LOKET_WORKER_BACKOFF_CAP_SECONDS="1",
            LOKET_HEALTH_WORKER_SECONDS="5",
            LOKET_SHUTDOWN_GRACE_SECONDS="20",
        )
        env.update(extra)
        return env

    def reset(self) -> None:
        """Each test starts with no tasks and no workers."""
        for table in (TASKS, BEATS, "jobs_scheduledjob"):
            self.execute(f"DELETE FROM {table}")


@contextmanager
def live_database(tmp: Path, vendor: str) -> Iterator[LiveDb]:
    data_dir = tmp / "data"
    if vendor == "sqlite":
        db = LiveDb(f"sqlite:///{tmp}/live.sqlite3", data_dir, vendor)
        _migrate(db)
        try:
            yield db
        finally:
            db.close()
        return
    import psycopg

    base = os.environ["LOKET_TEST_DATABASE_URL"]
    admin = base.rsplit("/", 1)[0] + "/postgres"
    name = f"loket_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = LiveDb(base.rsplit("/", 1)[0] + "/" + name, data_dir, vendor)
    try:
        _migrate(db)
        yield db
    finally:
        db.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(db: LiveDb) -> None:
    subprocess.run(
        [sys.executable, "-m", "loket.cli", "migrate", "--verbosity", "0"],
        env=db.env(), cwd=REPO, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip


def enqueue(db: LiveDb, task: str, *args: Any, queue: str = "default") -> str:
    """Enqueues ``tests.jobs.tasks_for_tests.<task>(*args)`` from a separate process, as the
    web server would; returns the task id."""
    code = (
        "from tests.jobs import tasks_for_tests as t; "
        f"print('TASK', t.{task}.using(queue_name={queue!r}).enqueue(*{args!r}).id)"
    )
    out = subprocess.run(
        [sys.executable, "-m", "loket.cli", "shell", "-c", code],
        env=db.env(), cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return next(ln.split()[1] for ln in out.stdout.splitlines() if ln.startswith("TASK "))


@dataclass
class Process:
    """A ``loket`` command running in the background, its log read line by line."""

    popen: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def log(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def count(self, text: str, *, but_not: tuple[str, ...] = ()) -> int:
        with self._lock:
            return sum(text in line and not line.startswith(but_not) for line in self.lines)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 60) -> int:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise


@contextmanager
def loket(db: LiveDb, *args: str, **env: str) -> Iterator[Process]:
    popen = subprocess.Popen(
        [sys.executable, "-m", "loket.cli", *args],
        env=db.env(**env), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    process = Process(popen)
    reader = threading.Thread(target=process._read, daemon=True)
    reader.start()
    try:
        yield process
    finally:
        if process.alive():
            process.popen.kill()
        process.popen.wait()
        reader.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> tuple[int, dict[str, Any]] | None:
    """The status and JSON body of ``url``, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def process_exists(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
