"""A deployment on several nodes, run for real on loopback: ``loket web`` nodes (gunicorn with
uvicorn processes) behind HAProxy with the reference config (``deploy/haproxy.cfg``), and
``loket worker`` processes, all on one PostgreSQL database.

Each process runs in its own session, so a test can kill a whole node (master and its server
processes, as when a machine dies) with one ``killpg``. Everything waits for events (a port
that answers, a log line, a row), never for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.jobs.live import wait_until
from tests.live.site import ROOT, Driver, base_env, free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
PROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"


@dataclass
class Proc:
    """A background process whose output is collected line by line."""

    name: str
    popen: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        popen = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        proc = cls(name, popen)
        threading.Thread(target=proc._read, daemon=True).start()
        return proc

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def log(self) -> str:
        with self._lock:
            return f"--- {self.name} ---\n" + "\n".join(self.lines[-200:])

    def count(self, text: str) -> int:
        with self._lock:
            return sum(text in line for line in self.lines)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL to the whole process group: the machine died."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, timeout: float = 30) -> int | None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self.signal_group(signal.SIGKILL)  # anything of it left behind


def answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url + "/healthz?live=1", timeout=2).status_code == 200
    return False


@dataclass
class Cluster:
    db_url: str
    tmp: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    nodes: list[tuple[Proc, str]] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    proxy: Proc | None = None
    proxy_url: str = ""
    driver: Driver | None = None
    desk: dict[str, Any] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        settings = dict(
            LOKET_LOG_LEVEL="WARNING",
            LOKET_WEB_PROCESSES="1",
            LOKET_SHUTDOWN_GRACE_SECONDS="10",
            LOKET_WORKER_HEARTBEAT_SECONDS="0.5",
            LOKET_WORKER_BACKOFF_CAP_SECONDS="1",
            LOKET_HEALTH_WORKER_SECONDS="3",
            LOKET_SCHEDULER_TICK_SECONDS="0.5",
            LOKET_STALE_TASK_SWEEP_SECONDS="1",
            LOKET_LIVE_RETRY_MS="200",
        )
        return base_env(self.tmp / "data", self.db_url, **{**settings, **self.env_extra, **extra})

    def loket(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "loket.cli", *args]

    # -- parts ---------------------------------------------------------------------------------

    def setup_desk(self) -> dict[str, Any]:
        self.driver = Driver(self.env())
        self.desk = self.driver("setup")
        return self.desk

    def start_node(self) -> str:
        port = free_port()
        n = len(self.nodes) + 1
        node = Proc.start(
            f"web{n}", self.loket("web", "--host", "127.0.0.1", "--port", str(port)), self.env()
        )
        url = f"http://127.0.0.1:{port}"
        self.nodes.append((node, url))
        wait_until(
            lambda: answers(url) or not node.alive(), f"web node {n} to answer", 60, node.log
        )
        assert node.alive(), node.log()
        return url

    def start_worker(self, queues: str = "*", **env: str) -> Proc:
        n = len(self.workers) + 1
        worker = Proc.start(
            f"worker{n}",
            self.loket("worker", "--queues", queues, "--interval", "0.1"),
            self.env(LOKET_LOG_LEVEL="INFO", **env),
        )
        wait_until(
            lambda: worker.count("started (queues") or not worker.alive(),
            f"worker {n} to start",
            60,
            worker.log,
        )
        assert worker.alive(), worker.log()
        self.workers.append(worker)
        return worker

    def start_proxy(self) -> str:
        """HAProxy with deploy/haproxy.cfg in front of the first two nodes."""
        port = free_port()
        env = {
            **os.environ,
            "LOKET_PROXY_BIND": f"127.0.0.1:{port}",
            "LOKET_WEB1": self.nodes[0][1].removeprefix("http://"),
            "LOKET_WEB2": self.nodes[1][1].removeprefix("http://"),
        }
        self.proxy = Proc.start("haproxy", [HAPROXY, "-db", "-f", str(PROXY_CONFIG)], env)
        self.proxy_url = f"http://127.0.0.1:{port}"
        proxy = self.proxy
        wait_until(lambda: answers(self.proxy_url) or not proxy.alive(), "the proxy", 30, proxy.log)
        assert proxy.alive(), proxy.log()
        # both nodes up in HAProxy's eyes (rise 2 checks) before the test starts
        wait_until(lambda: len(self.served_by(6)) == 2, "both nodes behind the proxy", 30)
        return self.proxy_url

    def served_by(self, n: int) -> set[str]:
        seen = set()
        for _ in range(n):
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(self.proxy_url + "/healthz?live=1", timeout=5)
                seen.add(r.headers.get("x-served-by", ""))
        return seen - {""}

    def logs(self) -> str:
        procs = [n for n, _ in self.nodes] + self.workers + ([self.proxy] if self.proxy else [])
        return "\n".join(p.log()[-3000:] for p in procs)

    def close(self) -> None:
        procs = [n for n, _ in self.nodes] + self.workers + ([self.proxy] if self.proxy else [])
        for proc in procs:
            proc.signal_group(signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.stop(timeout=15)
        if self.driver is not None:
            self.driver.close()

    # -- what people do --------------------------------------------------------------------

    def session(self, email: str) -> str:
        assert self.driver is not None
        return str(self.driver("session", email=email))

    def token(self, email: str) -> str:
        assert self.driver is not None
        return str(self.driver("token", email=email))


def csrf_post(client: httpx.Client, page: str, data: dict[str, str]) -> httpx.Response:
    """What a browser does: load the form, post it with its CSRF token."""
    form = client.get(page)
    form.raise_for_status()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert found is not None, form.text[:500]
    return client.post(
        page,
        data={"csrfmiddlewaretoken": found.group(1), **data},
        headers={"Referer": str(client.base_url) + page},
    )


@dataclass
class Listener:
    """A browser's live stream through the proxy: reconnects with its Last-Event-ID whenever
    the stream ends or breaks, and keeps every ticket event it received, in order."""

    base: str
    session: str
    received: list[int] = field(default_factory=list)
    reconnects: int = 0
    retry_hints: list[int] = field(default_factory=list)
    last_id: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Listener:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the stream did not open"
        return self

    def _run(self) -> None:
        from tests.live.sse import Reader

        while not self._stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.last_id is not None:
                headers["Last-Event-ID"] = self.last_id
            try:
                with (
                    httpx.Client(cookies={"sessionid": self.session}, timeout=10) as client,
                    client.stream(
                        "GET", self.base + "/desk/live/stream/", headers=headers
                    ) as response,
                ):
                    if response.status_code != 200:
                        raise httpx.HTTPError(f"status {response.status_code}")
                    reader = Reader(response)
                    while not self._stop.is_set():
                        message = reader.next()
                        if message.retry is not None:
                            self.retry_hints.append(message.retry)
                        if message.id is not None:
                            self.last_id = message.id
                        if message.event == "ready":
                            self._ready.set()
                        elif message.event == "ticket" and message.data is not None:
                            self.received.append(int(message.data["event"]))
            except (httpx.HTTPError, EOFError, OSError):
                pass
            if self._stop.is_set():
                return
            self.reconnects += 1
            self._stop.wait(0.2)  # the stream's retry hint, shortened for the test

    def wait_for(self, ids: Callable[[], list[int]], timeout: float = 60) -> None:
        wait_until(lambda: set(ids()) <= set(self.received), "every event on the stream", timeout)

    def stop(self) -> None:
        self._stop.set()


@contextlib.contextmanager
def running(cluster: Cluster) -> Iterator[Cluster]:
    try:
        yield cluster
    finally:
        cluster.close()


def stop_all(procs: list[Proc]) -> None:
    for proc in procs:
        proc.stop()


def elapsed(start: float) -> float:
    return time.monotonic() - start
