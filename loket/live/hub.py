"""One hub per web process: a single source of changes shared by all of its streams.

The source (``loket.live.sources``: a poller on SQLite, one LISTEN connection on PostgreSQL)
reads what changed once and hands the hub frames; the hub offers each frame to every
subscription, which wakes its stream only when something in it is for that stream. All
database work of the live layer runs in the hub's one thread, so a process holds one
database connection for live updates however many streams are open (plus the LISTEN
connection on PostgreSQL); a stream never queries the database itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import connections

from loket.live import feeds
from loket.live.cursor import Cursor
from loket.live.items import Audience, Frame, Item

log = logging.getLogger(__name__)
T = TypeVar("T")

REPLAY_MAX = 1000  # a resume that misses more than this gets a reset instead
MAX_QUEUED_FRAMES = 200  # a stream this far behind is closed; it resumes from its position


class TooManyStreams(Exception):
    """The per-person or per-process limit of open streams is reached."""


class HubClosed(Exception):
    """The process is shutting down (or the hub could not start)."""


class Source(Protocol):
    async def run(self, hub: Hub) -> None: ...


class Subscription:
    """One stream's place in the hub: the frames it has yet to send, its position."""

    def __init__(self, owner: str, audience: Audience, position: Cursor) -> None:
        self.owner = owner
        self.audience = audience
        self.position = position  # the hub's position this stream has dealt with
        self.frames: deque[Frame] = deque()
        self.wake = asyncio.Event()
        self.closed: str | None = None

    def offer(self, frame: Frame) -> None:
        if self.closed:
            return
        if (
            not self.frames
            and not frame.reset
            and not any(self.audience.admits(item) for item in frame.items)
        ):
            self.position = frame.position  # nothing to send: no need to wake the stream
            return
        if len(self.frames) >= MAX_QUEUED_FRAMES:
            self.close("overflow")
            return
        self.frames.append(frame)
        self.wake.set()

    async def next(self, timeout: float) -> list[Frame]:
        """The frames waiting (none after ``timeout`` seconds, or when closed)."""
        if not self.frames and not self.closed:
            self.wake.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self.wake.wait()
            except TimeoutError:
                pass
        frames = list(self.frames)
        self.frames.clear()
        return frames

    def close(self, reason: str) -> None:
        if self.closed is None:
            self.closed = reason
            self.wake.set()


def _in_db_thread(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except Exception:
        # A broken connection (database restarted) is opened again on the next call.
        for connection in connections.all(initialized_only=True):
            connection.close()
        raise


class Hub:
    def __init__(self, source: Source) -> None:
        self.loop = asyncio.get_running_loop()
        self.source = source
        self.subscriptions: set[Subscription] = set()
        self.per_owner: Counter[str] = Counter()
        self.position = Cursor()
        self.ready = asyncio.Event()
        self.closing = False
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loket-live-db")
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = self.loop.create_task(self._run(), name="loket-live-source")

    async def _run(self) -> None:
        try:
            await self.source.run(self)
        except asyncio.CancelledError:
            raise
        except Exception:  # the sources retry by themselves; this is a bug, say so loudly
            log.exception("live updates stopped")
            self.shutdown()

    async def run_db(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs ``fn`` in the hub's database thread."""
        call = functools.partial(_in_db_thread, fn, *args)
        return await self.loop.run_in_executor(self.executor, call)

    def has_room(self, owner: str) -> bool:
        """Whether ``owner`` may open one more stream (per process: the whole process, and
        each person)."""
        return (
            len(self.subscriptions) < settings.LIVE_MAX_STREAMS
            and self.per_owner[owner] < settings.LIVE_MAX_STREAMS_PER_USER
        )

    def subscribe(self, owner: str, audience: Audience) -> Subscription:
        """A new subscription at the hub's current position (refused over the limits)."""
        if self.closing:
            raise HubClosed
        if not self.has_room(owner):
            raise TooManyStreams
        subscription = Subscription(owner, audience, self.position)
        self.subscriptions.add(subscription)
        self.per_owner[owner] += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.close("gone")
        if subscription in self.subscriptions:
            self.subscriptions.discard(subscription)
            self.per_owner[subscription.owner] -= 1
            if self.per_owner[subscription.owner] <= 0:
                del self.per_owner[subscription.owner]

    def publish(self, frame: Frame) -> None:
        frame = dataclasses.replace(frame, start=self.position)
        self.position = frame.position
        for subscription in list(self.subscriptions):
            subscription.offer(frame)

    async def replay(self, since: Cursor, upto: Cursor) -> list[Item] | None:
        """The events ``upto`` covers and ``since`` does not, oldest first; None when there
        are more than ``REPLAY_MAX`` (the stream then tells its page to reload)."""
        if since.includes(upto):
            return []
        where = upto.q_covered() & since.q_uncovered()
        items = await self.run_db(feeds.events, where, REPLAY_MAX + 1)
        return None if len(items) > REPLAY_MAX else items

    def shutdown(self) -> None:
        """Ends every stream (each tells its browser when to come back) and stops the source."""
        if self.closing:
            return
        self.closing = True
        for subscription in list(self.subscriptions):
            subscription.close("shutdown")
        if self.task is not None:
            self.task.cancel()
        self.ready.set()
        self.executor.shutdown(wait=False)


_hub: Hub | None = None


async def get_hub() -> Hub:
    """This process's hub, started on first use (in the server's event loop)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        from loket.live import shutdown, sources

        _hub = Hub(sources.for_database())
        _hub.start()
        shutdown.install(_hub)
    hub = _hub
    try:
        async with asyncio.timeout(10):
            await hub.ready.wait()
    except TimeoutError:
        raise HubClosed from None
    if hub.closing:
        raise HubClosed
    return hub
