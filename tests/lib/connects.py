"""Seeing connection attempts for real: a listener that can tell whether anyone else connected,
and a record of every ``socket.connect`` the process makes.

``Listener.untouched()`` proves that nothing connected to it without waiting for a time-out:
it connects once itself and accepts; connections are accepted in the order they arrived, so
when the first one accepted is its own, nobody came before.

``recorded_connects()`` uses Python's audit events (``socket.connect`` is raised by every
connect, blocking or asyncio, before the system call): a refusal "before any connection"
leaves the list empty.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_recorders: list[list[tuple[Any, ...]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _recorders:
        address = args[1]
        for recorder in _recorders:
            recorder.append(tuple(address) if isinstance(address, tuple) else (address,))


sys.addaudithook(_audit)  # hooks cannot be removed; it does nothing while nobody records


@contextmanager
def recorded_connects() -> Iterator[list[tuple[Any, ...]]]:
    """Every address this process tries to connect to inside the block (any thread)."""
    seen: list[tuple[Any, ...]] = []
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


class Listener:
    """A TCP socket listening on ``host`` (any free port) that never answers by itself."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.host = host
        self.port: int = self.sock.getsockname()[1]

    def untouched(self) -> bool:
        """Whether no connection arrived before this call (see the module's docstring)."""
        with socket.create_connection((self.host, self.port), timeout=5) as probe:
            self.sock.settimeout(5)
            conn, peer = self.sock.accept()
            conn.close()
            return peer[:2] == probe.getsockname()[:2]

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
