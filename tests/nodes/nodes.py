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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from tests.jobs.live import REPO, LiveDb, Process, free_port, get_json, wait_until


@dataclass
class Node:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def web_node(db: LiveDb, **env: str) -> Iterator[Node]:
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
    node = Node(process, port)
    try:
        wait_until(
            lambda: get_json(f"{node.url}/healthz?live=1"),
            f"web node on port {port}",
            context=process.log,
        )
        yield node
    finally:
        process.stop(timeout=20)
        reader.join(timeout=10)


@contextmanager
def web_nodes(db: LiveDb, count: int = 2, **env: str) -> Iterator[list[Node]]:
    with ExitStack() as stack:
        yield [stack.enter_context(web_node(db, **env)) for _ in range(count)]


def create_agent(db: LiveDb, email: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "loket.cli", "createagent", email, "--name", "Node Agent",
         "--password", password],
        env=db.env(), cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
