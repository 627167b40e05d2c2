"""``loket web``: a node of gunicorn with uvicorn processes serves the desk, and on SIGTERM its
processes end their live streams with a retry hint and the node stops at once (SQLite and
PostgreSQL; the multi-node proof is in tests/scale)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from tests.jobs.live import wait_until
from tests.live.site import ROOT, Site, free_port
from tests.live.sse import stream

ANNA = "anna@loket.test"


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _answers(url: str) -> bool:
    with suppress(httpx.HTTPError):
        return httpx.get(url + "/healthz?live=1", timeout=2).status_code == 200
    return False


def test_a_web_node_serves_from_several_processes_and_stops_its_streams_on_sigterm(
    make_site: Callable[..., Site],
) -> None:
    # given a node with two server processes (grace period far longer than the test allows)
    site = make_site(servers=0)
    port = free_port()
    node = subprocess.Popen(
        [sys.executable, "-m", "loket.cli", "web", "--port", str(port), "--processes", "2"],
        env={**site.env(), "LOKET_SHUTDOWN_GRACE_SECONDS": "30"}, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url) or node.poll() is not None, "the node to answer", 60)
        assert node.poll() is None
        wait_until(lambda: len(_children(node.pid)) == 2, "two server processes", 30)
        streams = [stream(url, site.session(ANNA), timeout=30) for _ in range(3)]
        opened = [s.__enter__() for s in streams]
        for events in opened:
            events.until_event("ready")
        # when the node is told to stop
        began = time.monotonic()
        node.send_signal(signal.SIGTERM)
        # then every stream is ended by the server, with a retry hint, saying why
        for events in opened:
            seen = []
            with pytest.raises(EOFError):
                while True:
                    seen.append(events.next())
            assert any("server shutting down" in c for m in seen for c in m.comments)
            assert seen[-1].retry is not None and seen[-1].retry > 0
        for s in streams:
            with suppress(Exception):
                s.__exit__(None, None, None)
        # and the node exits cleanly long before its grace period is over
        assert node.wait(timeout=25) == 0
        assert time.monotonic() - began < 10
        assert node.stdout is not None
        assert "Traceback" not in node.stdout.read().decode(errors="replace")
    finally:
        if node.poll() is None:
            node.kill()
            node.wait()
