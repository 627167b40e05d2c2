"""Keeps a few child processes running: what ``loket run`` starts beside its web server.

A child that exits or is killed is started again: after about a second, and with exponential
backoff (up to a minute) while it keeps dying within a minute of its start. Every exit and
restart is logged.

Stopping: every child gets SIGTERM (finish the current task, then leave); a child still running
after the grace period gets SIGQUIT (leave now, giving its task back to the queue), and SIGKILL
five seconds later.

Children run in their own session, so a Ctrl+C in the terminal reaches only the supervisor,
which passes it on once. A child learns it should stop when its supervisor is gone (killed
without a chance to stop them) through ``supervisor_gone()``: the supervisor's pid is in the
environment, and an orphan's parent pid changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from loket.lib.backoff import Backoff

log = logging.getLogger("loket.supervisor")

SUPERVISOR_PID_ENV = "LOKET_SUPERVISOR_PID"
STABLE_AFTER = 60.0  # a child that ran this long before exiting restarts without delay growth
FORCE_WAIT = 5.0


def supervisor_gone() -> bool:
    """True in a child of ``loket run`` whose ``loket run`` has died."""
    expected = os.environ.get(SUPERVISOR_PID_ENV)
    return bool(expected) and str(os.getppid()) != expected


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    backoff: Backoff = field(default_factory=lambda: Backoff(base=1.0, cap=60.0))

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(
        self,
        children: Sequence[tuple[str, list[str]]],
        *,
        grace: float = 30.0,
        poll: float = 0.2,
    ) -> None:
        self.children = [Child(name, list(argv)) for name, argv in children]
        self.grace = grace
        self.poll = poll
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            for child in self.children:
                self._spawn(child)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _spawn(self, child: Child) -> None:
        env = {**os.environ, SUPERVISOR_PID_ENV: str(os.getpid())}
        child.process = subprocess.Popen(child.argv, env=env, start_new_session=True)  # noqa: S603
        child.started_at = time.monotonic()
        child.restart_at = None
        log.info("%s started (pid %d)", child.name, child.process.pid)

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll):
            with self._lock:
                if self._stopping.is_set():
                    return
                now = time.monotonic()
                for child in self.children:
                    self._check(child, now)

    def _check(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)
            return
        assert child.process is not None
        code = child.process.poll()
        if code is None:
            return
        if now - child.started_at >= STABLE_AFTER:
            child.backoff.succeeded()
        delay = child.backoff.failed()
        child.restart_at = now + delay
        log.error(
            "%s (pid %d) %s; starting it again in %.1f s (restart %d)",
            child.name,
            child.process.pid,
            _describe_exit(code),
            delay,
            child.restarts + 1,
        )

    def hurry(self) -> None:
        """A second Ctrl+C while stopping: no more grace, force the children now."""
        self._hurry.set()

    def stop(self) -> None:
        """SIGTERM to all, SIGQUIT after the grace period, SIGKILL after that."""
        self._stopping.set()
        with self._lock:
            running = [c.process for c in self.children if c.process and c.process.poll() is None]
        if self._thread is not None:
            self._thread.join(timeout=5)
        for process in running:
            _signal(process, signal.SIGTERM)
        left = self._wait_all(running, self.grace)
        if left:
            log.warning("%d child process(es) still busy; forcing them to stop", len(left))
            for process in left:
                _signal(process, signal.SIGQUIT)
            self._hurry.clear()
            left = self._wait_all(left, FORCE_WAIT)
        for process in left:
            _signal(process, signal.SIGKILL)
        self._wait_all(left, FORCE_WAIT)

    def _wait_all(
        self, processes: list[subprocess.Popen[bytes]], timeout: float
    ) -> list[subprocess.Popen[bytes]]:
        deadline = time.monotonic() + timeout
        left = [p for p in processes if p.poll() is None]
        while left and time.monotonic() < deadline and not self._hurry.wait(0.05):
            left = [p for p in left if p.poll() is None]
        return [p for p in left if p.poll() is None]


def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
