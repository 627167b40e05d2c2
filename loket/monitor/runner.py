"""``loket monitor run``: the checker loop.

One asyncio loop runs the checks; one thread does all database work (Django's ORM is
synchronous), so the loop never waits on the database and the database sees one connection.

Every ``tick`` seconds the loop claims the monitors due within the next ``lookahead`` seconds
(conditional UPDATE, safe with several runners), starts each check at its own slot (so checks
are spread over the interval as the monitors' phases are), and writes the results that came in
since the last tick in one transaction. A semaphore bounds the checks running at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import translation

from loket.lib import http
from loket.lib.supervisor import supervisor_gone
from loket.monitor import conf, engine
from loket.monitor.checks import CheckOutcome, CheckSpec, run_check

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class RunnerStats:
    claimed: int = 0
    checked: int = 0
    recorded: int = 0
    late: int = 0  # started more than a second after their slot
    lags_ms: list[tuple[float, float]] = field(default_factory=list)  # (slot, lag) per check


class Runner:
    def __init__(
        self,
        *,
        policy: http.Policy | None = None,
        concurrency: int | None = None,
        tick: float = 0.5,
        lookahead: float = 2.0,
        keep_lags: bool = False,
    ) -> None:
        self.policy = policy
        self.concurrency = concurrency or int(conf.get("MONITOR_CONCURRENCY"))
        self.tick = tick
        self.lookahead = lookahead
        self.keep_lags = keep_lags
        self.stats = RunnerStats()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loket-monitor-db")
        self._outcomes: list[CheckOutcome] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def _in_db(self, fn: Any, *args: Any) -> Any:
        def call() -> Any:
            close_old_connections()
            return fn(*args)

        return await asyncio.get_running_loop().run_in_executor(self._db, call)

    async def _check_at(
        self, spec: CheckSpec, client: http.Client, gate: asyncio.Semaphore
    ) -> None:
        delay = spec.slot - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        async with gate:
            outcome = await run_check(spec, client)
        self.stats.checked += 1
        if outcome.lag_ms > 1000:
            self.stats.late += 1
        if self.keep_lags:
            self.stats.lags_ms.append((spec.slot, outcome.lag_ms))
        self._outcomes.append(outcome)

    async def _flush(self) -> None:
        batch, self._outcomes = self._outcomes, []
        if batch:
            try:
                await self._in_db(engine.record, batch)
                self.stats.recorded += len(batch)
            except Exception:
                log.exception("writing %d check results failed", len(batch))

    async def run(self, stop: asyncio.Event) -> RunnerStats:
        gate = asyncio.Semaphore(self.concurrency)
        async with http.Client(self.policy) as client:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    specs: list[CheckSpec] = await self._in_db(
                        lambda: engine.claim_due(lookahead=self.lookahead)
                    )
                except Exception:
                    log.exception("claiming due monitors failed")
                    specs = []
                self.stats.claimed += len(specs)
                for spec in specs:
                    task = asyncio.create_task(self._check_at(spec, client, gate))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                await self._flush()
                remaining = self.tick - (time.monotonic() - started)
                if remaining > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), remaining)
            # Finish what was claimed (each check is bounded by its time-out), then write it.
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._flush()
        await self._in_db(connections.close_all)
        self._db.shutdown(wait=True)
        return self.stats


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """Started by ``loket run`` and that process died: stop like on SIGTERM."""
    while not stop.is_set():
        if supervisor_gone():
            log.warning("the parent process (loket run) is gone; stopping")
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


def run_forever(policy: http.Policy | None = None, concurrency: int | None = None) -> None:
    """Runs until SIGTERM or SIGINT, then finishes the checks in flight."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        runner = Runner(policy=policy, concurrency=concurrency)
        log.info("monitor checker started")
        watcher = asyncio.create_task(_stop_when_orphaned(stop))
        stats = await runner.run(stop)
        watcher.cancel()
        log.info("monitor checker stopped after %d checks", stats.checked)

    with translation.override(settings.LANGUAGE_CODE):
        asyncio.run(main())
