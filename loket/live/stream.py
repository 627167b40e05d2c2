"""A server-sent events stream over the hub: the part every live endpoint shares.

An endpoint (the desk's, later the chat widget's) checks who asks, decides what they may
hear (an ``Audience``), and returns ``Stream(...).response()``. The stream then:

* starts with a ``retry:`` hint and a ``ready`` event whose id is its position;
* when the browser came back with a ``Last-Event-ID``, first sends what it missed (read once
  from the database), or ``reset`` when that is too much;
* sends each ticket event with the position after it as its SSE id, and signals (presence,
  notifications) without one;
* writes a comment every ``LIVE_KEEPALIVE_SECONDS`` (or, when its position moved on events
  it did not pass on, an id-only line, so a resume does not look through them again);
* checks every minute that its person may still listen (``refresh``), and ends after
  ``LIVE_MAX_AGE_SECONDS`` or when the server shuts down, with a ``retry:`` hint (spread,
  so a thousand browsers do not all come back in the same instant).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.db import connections
from django.http import StreamingHttpResponse

from loket.live.cursor import Cursor
from loket.live.hub import Hub, TooManyStreams
from loket.live.items import Audience, Frame, Item, sse_text

REFRESH_SECONDS = 60.0
Refresh = Callable[[], Awaitable[Audience | None]]


def sse(kind: str | None = None, data: Any = None, event_id: str | None = None) -> str:
    body = None if data is None else json.dumps(data, separators=(",", ":"))
    return sse_text(kind, body, event_id)


def _retry(spread_ms: int) -> str:
    return f"retry: {settings.LIVE_RETRY_MS // 2 + random.randrange(spread_ms)}\n\n"  # noqa: S311


class Stream:
    def __init__(
        self,
        hub: Hub,
        owner: str,
        audience: Audience,
        *,
        since: Cursor | None = None,
        refresh: Refresh | None = None,
    ) -> None:
        self.hub = hub
        self.owner = owner
        self.audience = audience
        self.since = since
        self.refresh = refresh
        self.floor: Cursor | None = None  # what the browser has beyond this hub's position
        self.sent: str | None = None  # the last SSE id written

    def response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.body(), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache, no-store"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response

    def _id(self, cursor: Cursor) -> str:
        self.sent = (cursor.union(self.floor) if self.floor else cursor).encode()
        return self.sent

    def _item(self, item: Item, cursor: Cursor | None) -> str:
        return sse_text(item.kind, item.body, self._id(cursor) if cursor is not None else None)

    async def body(self) -> AsyncIterator[bytes]:
        # The request's own database connection (sessions, the person) is not needed while
        # the stream is open: close it, so 500 streams do not hold 500 connections.
        await sync_to_async(connections.close_all)()
        _release_request_thread()
        try:
            subscription = self.hub.subscribe(self.owner, self.audience)
        except TooManyStreams:
            yield (": too many streams\n" + _retry(30_000)).encode()
            return
        try:
            async for chunk in self._run(subscription):
                yield chunk.encode()
        finally:
            self.hub.unsubscribe(subscription)

    async def _run(self, subscription: Any) -> AsyncIterator[str]:
        start = subscription.position
        out = [f"retry: {settings.LIVE_RETRY_MS}\n\n"]
        if self.since is not None:
            out.extend(await self._replay(start, self.since))
        out.append(sse("ready", {"live": True}, self._id(subscription.position)))
        yield "".join(out)
        keepalive = float(settings.LIVE_KEEPALIVE_SECONDS)
        deadline = time.monotonic() + settings.LIVE_MAX_AGE_SECONDS
        recheck = time.monotonic() + REFRESH_SECONDS
        while True:
            now = time.monotonic()
            frames = await subscription.next(
                max(0.0, min(keepalive, deadline - now, recheck - now))
            )
            if subscription.closed:
                yield _closing(subscription.closed)
                return
            if frames:
                chunk = "".join([self._frame(subscription, frame) for frame in frames])
                if chunk:
                    yield chunk
                continue
            now = time.monotonic()
            if now >= deadline:
                yield _retry(2000)
                return
            if self.refresh is not None and now >= recheck:
                recheck = now + REFRESH_SECONDS
                audience = await self.refresh()
                if audience is None:
                    yield sse("denied", {})
                    return
                subscription.audience = audience
            position = (
                subscription.position.union(self.floor) if self.floor else subscription.position
            )
            if position.encode() != self.sent:
                yield f"id: {self._id(subscription.position)}\n\n"  # moves Last-Event-ID only
            else:
                yield ": keepalive\n\n"

    async def _replay(self, start: Cursor, since: Cursor) -> list[str]:
        """What the browser missed, and remembers what it has that this hub has not seen."""
        self.floor = None if start.includes(since) else since
        items = await self.hub.replay(since, start)
        if items is None:
            return [sse("reset", {}, self._id(start))]
        out = []
        cursor = since
        for item in items:
            assert item.event_id is not None
            cursor = cursor.add(item.event_id)
            if self.audience.admits(item):
                out.append(self._item(item, cursor))
        return out

    def _frame(self, subscription: Any, frame: Frame) -> str:
        if self.floor is None and not frame.reset and frame.start == subscription.position:
            return self._aligned(subscription, frame)
        out = []
        cursor = subscription.position
        if frame.reset:
            out.append(sse("reset", {}, self._id(frame.position)))
        else:
            for item in frame.items:
                if item.event_id is None:
                    if self.audience.admits(item):
                        out.append(self._item(item, None))
                    continue
                cursor = cursor.add(item.event_id)
                if self.floor is not None and self.floor.covers(item.event_id):
                    continue  # the browser had it from another process
                if self.audience.admits(item):
                    out.append(self._item(item, cursor))
        # Set before the chunk is written: while it is, the hub may move the position on.
        subscription.position = frame.position
        if self.floor is not None and frame.position.includes(self.floor):
            self.floor = None
        return "".join(out)

    def _aligned(self, subscription: Any, frame: Frame) -> str:
        """The common case: this stream stands where the frame starts, so the texts the hub
        made once for every stream are this stream's too."""
        out = []
        for item, (text, event_id) in zip(frame.items, frame.texts, strict=True):
            if self.audience.admits(item):
                out.append(text)
                if event_id is not None:
                    self.sent = event_id
        subscription.position = frame.position
        return "".join(out)


def _release_request_thread() -> None:
    """Lets the request's own thread end now instead of idling until the stream closes.

    Under ASGI Django runs a request's synchronous parts (sessions, middleware) in a thread
    made for that request (asgiref's ``ThreadSensitiveContext``), which lives until the
    response is finished: for a stream, hours, and one thread per open stream. The stream
    needs it no more; anything synchronous at its very end (``request_finished``) gets a
    fresh one, which asgiref shuts down as usual.
    """
    try:
        context = SyncToAsync.thread_sensitive_context.get()
    except LookupError:
        return
    executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    if executor is not None:
        executor.shutdown(wait=False)


def _closing(reason: str) -> str:
    if reason == "shutdown":
        return ": server shutting down\n" + _retry(4000)
    return _retry(1000)
