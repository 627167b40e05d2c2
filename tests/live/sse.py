"""A small server-sent events reader for tests: reads a real stream over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Message:
    event: str = "message"
    id: str | None = None
    data: Any = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)


class Reader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def next(self) -> Message:
        """The next block (an event, or a comment/retry/id-only block)."""
        message = Message()
        seen = False
        data: list[str] = []
        for line in self.lines:
            if line == "":
                if seen:
                    if data:
                        message.data = json.loads("\n".join(data))
                    return message
                continue
            seen = True
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                message.comments.append(value)
            elif name == "event":
                message.event = value
            elif name == "id":
                message.id = value
            elif name == "data":
                data.append(value)
            elif name == "retry":
                message.retry = int(value)
        raise EOFError("stream ended")

    def events(self, count: int, kind: str = "ticket") -> list[Message]:
        """The next ``count`` events of ``kind`` (others are skipped)."""
        found: list[Message] = []
        while len(found) < count:
            message = self.next()
            if message.event == kind and message.data is not None:
                found.append(message)
        return found

    def until_event(self, kind: str) -> Message:
        return self.events(1, kind)[0]


@contextmanager
def stream(
    base: str, session: str, *, last_event_id: str | None = None, timeout: float = 10
) -> Iterator[Reader]:
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with (
        httpx.Client(cookies={"sessionid": session}, timeout=timeout) as client,
        client.stream("GET", base + "/desk/live/stream/", headers=headers) as response,
    ):
        response.raise_for_status()
        yield Reader(response)
