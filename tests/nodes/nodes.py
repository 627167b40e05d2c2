"""Two (or more) real web processes on one database, as several nodes behind a proxy would be.

Each node is ``uvicorn loket.asgi:application`` on its own loopback port, with the settings a
node gets from its environment; the tests talk to them over HTTP and share nothing with them
but the database (and Redis, when the test gives one).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.jobs.live import REPO, LiveDb, Process, free_port, get_json, wait_until


@dataclass
class Node:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _start(db: LiveDb, **env: str) -> tuple[Node, threading.Thread]:
    port = free_port()
    popen = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "loket.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        env=db.env(**env), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    process = Process(popen)
    reader = threading.Thread(target=process._read, daemon=True)
    reader.start()
    return Node(process, port), reader


def _wait(node: Node) -> None:
    wait_until(
        lambda: get_json(f"{node.url}/healthz?live=1"),
        f"web node on port {node.port}",
        context=node.process.log,
    )


@contextmanager
def web_nodes(db: LiveDb, count: int = 2, **env: str) -> Iterator[list[Node]]:
    """``count`` nodes, started side by side; stopped (SIGTERM) at the end."""
    started = [_start(db, **env) for _ in range(count)]
    try:
        for node, _reader in started:
            _wait(node)
        yield [node for node, _reader in started]
    finally:
        for node, reader in started:
            node.process.stop(timeout=20)
            reader.join(timeout=10)


@contextmanager
def web_node(db: LiveDb, **env: str) -> Iterator[Node]:
    with web_nodes(db, 1, **env) as (node,):
        yield node


def create_agent(db: LiveDb, email: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "loket.cli", "createagent", email, "--name", "Node Agent",
         "--password", password],
        env=db.env(), cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
