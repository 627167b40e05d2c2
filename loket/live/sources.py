"""Where a web process learns what changed: a poller on SQLite, LISTEN on PostgreSQL.

Both hand the hub frames in commit order (``loket.live.hub``). All their queries run in the
hub's database thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q

from loket.live import feeds
from loket.live.cursor import Cursor, Range
from loket.live.hub import Hub
from loket.live.items import Frame, Item
from loket.live.publish import CHANNEL
from loket.tickets.models import Event

log = logging.getLogger(__name__)

BURST = 500  # more new events than this in one go: the streams get a reset instead
GAP_WINDOW = 1000  # at start, ids this far below the newest may still be in flight (PG)
SETTLE_AFTER = 1.0  # seconds before a gap may be declared closed (PG)


def for_database() -> Any:
    if connections["default"].vendor == "postgresql":
        return PgListener()
    return SqlitePoller(settings.LIVE_POLL_MS / 1000)


async def _backoff(failures: int) -> None:
    await asyncio.sleep(min(10.0, 0.25 * 2**failures))


class SqlitePoller:
    """Looks for new rows a few times a second. ``PRAGMA data_version`` (which changes when
    another connection commits) makes a look that finds nothing nearly free. SQLite commits
    one writer at a time, in id order, so "id > newest seen" misses nothing.

    A commit in this very process that wrote a live row (a visitor's message, an agent's
    reply from the desk: on one ``loket run`` nearly all of them) wakes the poller at once
    (``nudge``) instead of leaving it to the next tick; other processes' commits wait for
    the tick."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.version: int | None = None
        self.tops: dict[str, int] = {}
        self.wake: asyncio.Event | None = None
        self.nudged = False  # a wake-up is on its way (``loket.live.nudge``)

    def nudge(self) -> None:
        """Look now (called in the event loop's thread)."""
        if self.wake is not None:
            self.wake.set()

    async def _pause(self) -> None:
        assert self.wake is not None
        try:
            async with asyncio.timeout(self.interval):
                await self.wake.wait()
        except TimeoutError:
            pass
        self.wake.clear()
        self.nudged = False

    async def run(self, hub: Hub) -> None:
        failures = 0
        self.wake = asyncio.Event()
        while not hub.closing:
            try:
                if not hub.ready.is_set():
                    self.tops = await hub.run_db(feeds.tops)
                    hub.position = Cursor(self.tops["e"])
                    hub.ready.set()
                frame = await hub.run_db(self.poll)
                if frame is not None:
                    hub.publish(frame)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("live updates: polling failed (attempt %s)", failures)
                self.version = None
                await _backoff(failures)
                continue
            await self._pause()

    def poll(self) -> Frame | None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA data_version")
            version = int(cursor.fetchone()[0])
        if version == self.version:
            return None
        self.version = version
        events = feeds.events(Q(pk__gt=self.tops["e"]), BURST + 1)
        reset = len(events) > BURST
        if reset:
            self.tops["e"] = feeds.tops()["e"]
            events = []
        elif events:
            self.tops["e"] = events[-1].event_id or self.tops["e"]
        notes, top_n = feeds.notifications(Q(pk__gt=self.tops["n"]))
        signals, top_s = feeds.signals(Q(pk__gt=self.tops["s"]))
        self.tops["n"] = max(self.tops["n"], top_n)
        self.tops["s"] = max(self.tops["s"], top_s)
        items = (*events, *notes, *signals)
        if not items and not reset:
            return None
        return Frame(items, Cursor(self.tops["e"]), reset=reset)


@dataclass
class GapTracker:
    """The hub's position over event ids on PostgreSQL, and when each gap was noticed.

    Ids arrive in commit order, which is not id order: seeing 101 before 100 leaves a gap at
    100 that may still commit (or was rolled back). Every transaction that could hold an id
    in a gap was running when the gap was noticed, so once the oldest running transaction
    is younger than the newest of that moment (``pg_snapshot_xmin`` has passed the
    ``pg_snapshot_xmax`` noted then), the gap is closed: a row found in it then (its
    notification lost) is sent late, and nothing more will come.
    """

    position: Cursor = field(default_factory=Cursor)
    noticed: dict[Range, tuple[int, float]] = field(default_factory=dict)

    def take(self, ids: list[int], xmax: int, now: float) -> list[int]:
        """Adds ``ids`` (in commit order); returns those not seen before."""
        fresh = []
        for event_id in ids:
            if not self.position.covers(event_id):
                self.position = self.position.add(event_id)
                fresh.append(event_id)
        self._note(xmax, now)
        return fresh

    def _note(self, xmax: int, now: float) -> None:
        noticed: dict[Range, tuple[int, float]] = {}
        for gap in self.position.gaps:
            older = [v for (a, b), v in self.noticed.items() if a <= gap[1] and gap[0] <= b]
            if older:
                noticed[gap] = (max(x for x, _t in older), min(t for _x, t in older))
            else:
                noticed[gap] = (xmax, now)
        self.noticed = noticed

    def due(self, xmin: int, now: float) -> list[Range]:
        return [
            gap
            for gap, (xmax, when) in self.noticed.items()
            if xmax <= xmin and now - when >= SETTLE_AFTER
        ]

    def close(self, gaps: list[Range]) -> None:
        self.position = self.position.without_gaps(gaps)
        self.noticed = {g: v for g, v in self.noticed.items() if g in self.position.gaps}


def _snapshot(edge: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_snapshot_{edge}(pg_current_snapshot())::text::bigint")
        return int(cursor.fetchone()[0])


def _in_ranges(ranges: list[Range]) -> Q:
    q = Q(pk__in=[])
    for a, b in ranges:
        q |= Q(pk__range=(a, b))
    return q


def _parse(payload: str) -> tuple[str, list[int]]:
    feed, _, ids = payload.partition(":")
    if feed not in ("e", "n", "s"):
        return "", []
    return feed, [int(x) for x in ids.split(",") if x.isdigit()]


class PgListener:
    """One LISTEN connection (psycopg 3, async) per web process."""

    def __init__(self) -> None:
        self.tracker = GapTracker()
        self.tops = {"n": 0, "s": 0}

    def _conninfo(self) -> dict[str, Any]:
        params = dict(connections["default"].get_connection_params())
        for key in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(key, None)
        return params

    async def run(self, hub: Hub) -> None:
        import psycopg

        failures = 0
        while not hub.closing:
            conn = None
            try:
                conn = await psycopg.AsyncConnection.connect(**self._conninfo(), autocommit=True)
                await conn.execute(f"LISTEN {CHANNEL}")
                if not hub.ready.is_set():
                    await hub.run_db(self.start)
                    hub.position = self.tracker.position
                    hub.ready.set()
                else:  # back after a lost connection: read what was missed meanwhile
                    self._publish(hub, await hub.run_db(self.catch_up))
                failures = 0
                await self._listen(conn, hub)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("live updates: listening failed (attempt %s)", failures)
                await _backoff(failures)
            finally:
                if conn is not None:
                    await conn.close()

    @staticmethod
    def _publish(hub: Hub, frame: Frame | None) -> None:
        if frame is not None:
            hub.publish(frame)

    async def _listen(self, conn: Any, hub: Hub) -> None:
        while not hub.closing:
            batch = [n.payload async for n in conn.notifies(timeout=0.5, stop_after=1)]
            if batch:  # and whatever else is already there
                batch += [n.payload async for n in conn.notifies(timeout=0.005, stop_after=5000)]
                self._publish(hub, await hub.run_db(self.load, batch))
            if self.tracker.noticed:
                self._publish(hub, await hub.run_db(self.settle))

    # --- in the hub's database thread ---------------------------------------------------

    def start(self) -> None:
        """The position at start: the newest event, and as gaps the missing ids just below
        it (they may belong to transactions still running)."""
        tops = feeds.tops()
        self.tops = {"n": tops["n"], "s": tops["s"]}
        top = tops["e"]
        xmax = _snapshot("xmax")
        present = set(Event.objects.filter(pk__gt=top - GAP_WINDOW).values_list("pk", flat=True))
        tracker = GapTracker(Cursor(max(0, top - GAP_WINDOW)))
        tracker.take(sorted(present), xmax, time.monotonic())
        if tracker.position.top < top:
            tracker.take([top], xmax, time.monotonic())
        self.tracker = tracker

    def load(self, payloads: list[str]) -> Frame | None:
        ids: dict[str, list[int]] = {"e": [], "n": [], "s": []}
        for payload in payloads:
            feed, found = _parse(payload)
            if feed:
                ids[feed].extend(found)
        events = list(dict.fromkeys(x for x in ids["e"] if not self.tracker.position.covers(x)))
        items: list[Item] = []
        reset = len(events) > BURST
        if reset:
            self.start()
        elif events:
            rows = feeds.events_by_id(events)
            self.tracker.take(events, _snapshot("xmax"), time.monotonic())
            items.extend(rows[x] for x in events if x in rows)
        if ids["n"]:
            notes, top = feeds.notifications(Q(pk__in=ids["n"]))
            items.extend(notes)
            self.tops["n"] = max(self.tops["n"], top)
        if ids["s"]:
            signals, top = feeds.signals(Q(pk__in=ids["s"]))
            items.extend(signals)
            self.tops["s"] = max(self.tops["s"], top)
        if not items and not reset and not events:
            return None
        return Frame(tuple(items), self.tracker.position, reset=reset)

    def settle(self) -> Frame | None:
        now = time.monotonic()
        due = self.tracker.due(_snapshot("xmin"), now)
        if not due:
            return None
        lost = feeds.events(_in_ranges(due), BURST)
        if lost:
            log.warning("live updates: %s events arrived without a notification", len(lost))
            self.tracker.take([i.event_id for i in lost if i.event_id], 0, now)
        self.tracker.close(due)
        return Frame(tuple(lost), self.tracker.position, closed_gaps=tuple(due))

    def catch_up(self) -> Frame | None:
        events = feeds.events(self.tracker.position.q_uncovered(), BURST + 1)
        if len(events) > BURST:
            self.start()
            return Frame((), self.tracker.position, reset=True)
        self.tracker.take(
            [i.event_id for i in events if i.event_id], _snapshot("xmax"), time.monotonic()
        )
        notes, top_n = feeds.notifications(Q(pk__gt=self.tops["n"]))
        signals, top_s = feeds.signals(Q(pk__gt=self.tops["s"]))
        self.tops = {"n": max(self.tops["n"], top_n), "s": max(self.tops["s"], top_s)}
        return Frame((*events, *notes, *signals), self.tracker.position)
