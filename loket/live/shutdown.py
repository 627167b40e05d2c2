"""Ends the streams when the server is told to stop.

Uvicorn (and gunicorn's uvicorn worker) wait on SIGTERM/SIGINT until every open response
has finished: with streams open that would be forever. The hub's handler runs first and
ends every stream with a ``retry:`` hint, then hands the signal on to the server's own
handler, which stops as usual. Installed when the hub starts, from the event loop's thread,
once the server has put its handlers in place; nothing is chained where no Python handler
is set (the default action ends the process anyway).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from loket.live.hub import Hub

_installed: set[int] = set()


def install(hub: Hub) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)
        if not callable(previous) or signum in _installed:
            continue
        _installed.add(signum)
        signal.signal(signum, _chained(previous))


def _chained(previous: Any) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        from loket.live import hub as hubs

        current = hubs._hub
        if current is not None and not current.loop.is_closed():
            current.loop.call_soon_threadsafe(current.shutdown)
        previous(signum, frame)

    return handler
