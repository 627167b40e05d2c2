"""A desk served for real: uvicorn processes (``loket.asgi``) on a database of their own,
and a driver process (``tests.live.driver``) that changes it as other processes would.

Live updates cross process boundaries, so these tests cannot use the test database pytest
holds open: each test gets a fresh copy of a database migrated once per session (an SQLite
file, or a PostgreSQL database made from a template when ``LOKET_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("LOKET_TEST_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")


def base_env(data_dir: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "LOKET_DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="loket.settings",
        LOKET_DATA_DIR=str(data_dir),
        LOKET_DATABASE_URL=db_url,
        LOKET_LOG_LEVEL="WARNING",
        LOKET_LIVE_KEEPALIVE_SECONDS="1",
        LOKET_AXES_ENABLED="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _loket(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "loket.cli", *args],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=600,
    )  # fmt: skip


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _prefix() -> str:
    return (os.environ.get("LOKET_TEST_DB_NAME") or "test") + "_live"


@contextmanager
def template(tmp: Path) -> Iterator[str]:
    """A migrated, empty database to copy: a file path (SQLite) or a database name (PG)."""
    if not ON_PG:
        data = tmp / "template-data"
        _loket(base_env(data, ""), "migrate", "--verbosity", "0")
        _loket(base_env(data, ""), "createcachetable")
        yield str(data / "loket.sqlite3")
        return
    name = f"{_prefix()}_tpl_{os.getpid()}"
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = base_env(tmp / "template-data", _pg_url(name))
        _loket(env, "migrate", "--verbosity", "0")
        _loket(env, "createcachetable")
        yield name
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_copies = 0


@contextmanager
def database(source: str, tmp: Path) -> Iterator[str]:
    """A fresh copy of the template; yields its URL."""
    global _copies
    _copies += 1
    if not ON_PG:
        target = tmp / f"desk-{_copies}.sqlite3"
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        yield f"sqlite:///{target}"
        return
    name = f"{_prefix()}_{os.getpid()}_{_copies}"
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Driver:
    """The other process: sends commands, returns their answers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.live.driver"],
            env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"driver exited ({self.proc.poll()})")
        return line

    def __call__(self, op: str, **args: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self._line())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["ok"]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def serve(env: dict[str, str], log: Path) -> Server:
    """``uvicorn loket.asgi:application`` (what ``loket run`` serves) on a free port."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "loket.asgi:application",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--lifespan", "off"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        with suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz?live=1", timeout=2).status_code == 200:
                return Server(proc, url, log)
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not answer: {log.read_text()}")
        time.sleep(0.1)


@dataclass
class Site:
    """One desk: its database, its data directory, a driver, and one or more servers."""

    db_url: str
    data_dir: Path
    tmp: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)
    driver: Driver | None = None
    desk: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return base_env(self.data_dir, self.db_url, **self.env_extra)

    def start(self, servers: int = 1) -> Site:
        self.driver = Driver(self.env())
        self.desk = self.driver("setup")
        for n in range(servers):
            self.servers.append(serve(self.env(), self.tmp / f"server-{n}.log"))
        return self

    @property
    def url(self) -> str:
        return self.servers[0].url

    def person(self, email: str) -> int:
        return int(self.desk["people"][email])

    def session(self, email: str) -> str:
        assert self.driver is not None
        return str(self.driver("session", email=email))

    def loket(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "loket.cli", *args],
            env=self.env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
            check=True,
        )  # fmt: skip

    def close(self) -> None:
        for server in self.servers:
            with suppress(Exception):
                server.stop()
        if self.driver is not None:
            self.driver.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
